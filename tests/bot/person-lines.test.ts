import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Harness } from "./harness.js";

/** Lets the bot's pending work run, a bounded number of event-loop turns. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !condition(); turn++)
    await new Promise((resolve) => setImmediate(resolve));
  assert.ok(condition(), "the condition came true");
}

/** Makes the harness's PDF reading wait, once started, until `release` is called. */
function withSlowDocuments(h: Harness): { started: () => boolean; release: () => void } {
  let release!: () => void;
  let started = false;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const recognize = h.services.documents.recognizePdf;
  h.services.documents.recognizePdf = async (bytes, options) => {
    started = true;
    await gate;
    return recognize(bytes, options);
  };
  return { started: () => started, release };
}

describe("each person's own line", () => {
  it("in a group, a member's question is answered while another member's job runs", async () => {
    const h = new Harness();
    const { started, release } = withSlowDocuments(h);
    const group = h.group();
    const pdf = h.document(h.user(31), "long.pdf", "application/pdf", {
      chat: group,
      caption: "/ocr",
    });
    await until(started);
    await h.text(h.user(32), "/ask what is 2+2?", { chat: group });
    assert.deepEqual(
      h.chatRequests.map((request) => [request.userId, request.text]),
      [[32, "what is 2+2?"]],
    );
    assert.ok(!h.sentTexts().includes("Recognized text"), "the long job is still running");
    release();
    await pdf;
    assert.ok(h.sentTexts().includes("Recognized text"));
  });

  it("one person's updates keep their order: a question waits for their own running job", async () => {
    const h = new Harness();
    const { started, release } = withSlowDocuments(h);
    const group = h.group();
    const user = h.user(33);
    const pdf = h.document(user, "long.pdf", "application/pdf", { chat: group, caption: "/ocr" });
    await until(started);
    const question = h.text(user, "/ask and now?", { chat: group });
    await until(() => h.callsOf("sendChatAction").length > 0);
    assert.deepEqual(h.chatRequests, [], "the question waits behind its own person's job");
    release();
    await Promise.all([pdf, question]);
    const texts = h.sentTexts();
    assert.ok(texts.indexOf("Recognized text") >= 0 && h.chatRequests.length === 1);
  });

  it("refuses at once, in the person's language, a request past their cap of waiting ones", async () => {
    const h = new Harness({ ownerMaxWaiting: 2 });
    const { started, release } = withSlowDocuments(h);
    const user = h.user(34, "ru");
    const chat = h.privateChat(user);
    const running = h.document(user, "long.pdf", "application/pdf", { chat });
    await until(started);
    const waiting = [h.text(user, "первый"), h.text(user, "второй")];
    await h.text(user, "третий");
    assert.deepEqual(h.sentTexts().slice(-1), [
      "У вас уже много запросов в очереди. Я их выполню; присылайте новые, когда они будут готовы.",
    ]);
    assert.deepEqual(h.store.jobs.pending().length, 3, "the refused one is not a job");
    // Another person is not held back by this one's full line.
    await h.text(h.user(35), "hello");
    assert.deepEqual(
      h.chatRequests.map((request) => request.text),
      ["hello"],
    );
    release();
    await Promise.all([running, ...waiting]);
    assert.deepEqual(
      h.chatRequests.map((request) => request.text),
      ["hello", "первый", "второй"],
    );
    // With the line empty again, the person is served as before.
    await h.text(user, "четвёртый");
    assert.equal(h.chatRequests.at(-1)?.text, "четвёртый");
  });
});
