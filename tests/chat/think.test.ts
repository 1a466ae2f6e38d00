import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Store } from "../../src/memory/index.js";
import { ChatService, ThinkFilter, stripThink } from "../../src/services/chat/index.js";
import { SETTINGS, silent, stubChat } from "./stub-chat.js";

/** Feeds pieces through a filter; returns what users would see, piece by piece. */
function filterPieces(pieces: string[]): string[] {
  const filter = new ThinkFilter();
  return [...pieces.map((piece) => filter.push(piece)), filter.end()].filter((text) => text !== "");
}

describe("think filtering", () => {
  it("drops a think block and the blank lines after it", () => {
    assert.equal(stripThink("<think>\nplan the answer\n</think>\n\nHello there."), "Hello there.");
  });

  it("handles tags split across pieces", () => {
    const seen = filterPieces([
      "<th",
      "ink>I sh",
      "ould greet</thi",
      "nk>\n\nHel",
      "lo! <",
      "b>bold</b>",
    ]);
    assert.equal(seen.join(""), "Hello! <b>bold</b>");
    assert.ok(!seen.some((piece) => piece.includes("greet")));
  });

  it("splits a tag at every possible position", () => {
    const text = "A<think>secret</think>B";
    for (let cut = 1; cut < text.length; cut++) {
      assert.equal(
        filterPieces([text.slice(0, cut), text.slice(cut)]).join(""),
        "AB",
        `cut at ${cut}`,
      );
    }
  });

  it("drops an unterminated block at the end", () => {
    assert.deepEqual(filterPieces(["Answer. ", "<think>still thinking", " and more"]), [
      "Answer. ",
    ]);
  });

  it("releases held text that turned out not to be a tag", () => {
    assert.deepEqual(filterPieces(["1 <", "2 and x <th"]).join(""), "1 <2 and x <th");
  });

  it("drops a stray closing tag", () => {
    assert.equal(stripThink("</think>\nJust the answer"), "Just the answer");
  });

  it("keeps text without tags untouched", () => {
    assert.equal(stripThink("Plain *markdown* answer"), "Plain *markdown* answer");
  });
});

describe("chat replies from a thinking model", () => {
  it("streams and stores only the visible answer", async () => {
    const store = Store.open(":memory:");
    const { handle } = stubChat(() => [
      "<think>",
      "The user",
      " greets me.</th",
      "ink>\n\n",
      "Hi",
      " there!",
    ]);
    const chat = new ChatService({
      model: handle,
      history: store.history,
      settings: SETTINGS,
      logger: silent,
    });
    const reply = chat.reply({ chatId: 1, userId: 1, text: "Hello", kind: "text" });
    const pieces: string[] = [];
    for await (const piece of reply.pieces) pieces.push(piece);

    assert.deepEqual(pieces, ["Hi", " there!"]);
    assert.equal((await reply.done).text, "Hi there!");
    assert.equal(store.history.recent({ chatId: 1, userId: 1 }).at(-1)?.text, "Hi there!");
  });

  it("stores nothing when the whole answer was reasoning", async () => {
    const store = Store.open(":memory:");
    const { handle } = stubChat(() => ["<think>", "never finished"]);
    const chat = new ChatService({
      model: handle,
      history: store.history,
      settings: SETTINGS,
      logger: silent,
    });
    const outcome = await chat.reply({ chatId: 1, userId: 1, text: "Hello", kind: "text" }).done;
    assert.equal(outcome.text, "");
    assert.deepEqual(store.history.recent({ chatId: 1, userId: 1 }), []);
  });
});
