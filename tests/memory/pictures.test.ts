/** Pictures in the store: history keeps Telegram references, never bytes; /export, /forget, results. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Store } from "../../src/memory/index.js";

const dialog = { chatId: 5, userId: 5 };
const photo = { fileId: "AgACAgIAAx0-file", uniqueId: "AQADunique" };

describe("pictures in the store", () => {
  it("history keeps the picture's reference with its turn and lists the newest distinct ones", () => {
    const store = Store.open(":memory:");
    const other = { fileId: "file-2", uniqueId: "unique-2" };
    store.history.append(dialog, [
      { role: "user", kind: "text", text: "What is it?", image: photo },
      { role: "assistant", kind: "text", text: "A chart." },
    ]);
    store.history.append(dialog, [
      { role: "user", kind: "text", text: "And this?", image: other },
      { role: "assistant", kind: "text", text: "A cat." },
      { role: "user", kind: "text", text: "Again the first", image: photo },
    ]);
    assert.deepEqual(store.history.recent(dialog)[0]!.image, photo);
    assert.equal(store.history.recent(dialog)[1]!.image, undefined);
    assert.deepEqual(store.history.images(dialog, 2), [photo, other]);
    assert.deepEqual(store.history.images(dialog, 1), [photo]);
    store.history.reset(dialog);
    assert.deepEqual(store.history.images(dialog, 2), []);
  });

  it("/export shows a placeholder for a picture, /forget removes the turn", () => {
    const store = Store.open(":memory:");
    store.history.append(dialog, [{ role: "user", kind: "text", text: "Look", image: photo }]);
    const exported = store.exporter.export(dialog.userId);
    assert.equal(exported.history[0]!.image, "[image]");
    assert.ok(!JSON.stringify(exported).includes(photo.fileId), "no file reference exported");
    store.forgetUser(dialog.userId);
    assert.deepEqual(store.history.images(dialog, 2), []);
  });

  it("a result keeps the source picture's file id for the 📊 button", () => {
    const store = Store.open(":memory:");
    const id = store.results.save({
      ...dialog,
      kind: "ocr",
      language: "en",
      text: "read",
      sourceFileId: photo.fileId,
    });
    assert.equal(store.results.get(id)!.sourceFileId, photo.fileId);
    const plain = store.results.save({ ...dialog, kind: "ocr", language: "en", text: "pdf" });
    assert.equal(store.results.get(plain)!.sourceFileId, undefined);
  });
});
