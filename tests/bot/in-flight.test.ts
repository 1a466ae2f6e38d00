import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InFlightUpdates } from "../../src/bot/in-flight.js";
import { Harness } from "./harness.js";

describe("InFlightUpdates", () => {
  it("is idle at once with nothing running, and resolves when the last update ends", async () => {
    const tracker = new InFlightUpdates();
    await tracker.idle();
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const first = tracker.middleware({} as never, () => blocked);
    const second = tracker.middleware({} as never, async () => undefined);
    await second;
    assert.equal(tracker.size, 1);
    let idle = false;
    const waiting = tracker.idle().then(() => (idle = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(idle, false, "still one update in flight");
    release();
    await first;
    await waiting;
    assert.equal(tracker.size, 0);
  });

  it("counts an update whose handler fails, and still becomes idle", async () => {
    const tracker = new InFlightUpdates();
    const failing = tracker.middleware({} as never, async () => Promise.reject(new Error("boom")));
    await assert.rejects(Promise.resolve(failing), /boom/);
    assert.equal(tracker.size, 0);
    await tracker.idle();
  });

  it("the bot reports idle only after a slow job's reply is sent", async () => {
    const h = new Harness();
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const documents = h.services.documents;
    const recognize = documents.recognizeImage;
    h.recognized = { text: "late text", language: "en", pages: 1, skippedPages: 0 };
    documents.recognizeImage = async (bytes, options) => {
      await gate;
      return recognize(bytes, options);
    };
    const handled = h.photo(h.user());
    await new Promise((resolve) => setImmediate(resolve));
    let idle = false;
    const waiting = h.idle().then(() => (idle = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(idle, false);
    finish();
    await handled;
    await waiting;
    assert.ok(h.sentTexts().includes("late text"));
  });
});
