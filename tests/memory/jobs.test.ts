/**
 * The job journal on a real SQLite file: what is accepted survives closing and reopening
 * the database (a restart), until it is cleared; /forget removes a user's jobs.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Store, type NewJob } from "../../src/memory/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jobs-test-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newFile = () => path.join(dir, `bot-${++files}.sqlite`);

function job(updateId: number, fields: Partial<NewJob> = {}): NewJob {
  return {
    updateId,
    chatId: 10,
    userId: 10,
    kind: "text",
    messageId: 100 + updateId,
    language: "ru",
    update: { update_id: updateId, message: { message_id: 100 + updateId, text: "привет" } },
    ...fields,
  };
}

describe("job journal", () => {
  it("keeps accepted jobs across a reopen, oldest first, until they are cleared", () => {
    const file = newFile();
    let clock = 1_000;
    const first = Store.open(file, { now: () => clock });
    first.jobs.accept(job(7));
    clock = 2_000;
    first.jobs.accept(job(5, { chatId: -20, kind: "audio", messageId: undefined }));
    first.jobs.showProgress(7, 555);
    first.close();

    const second = Store.open(file);
    const pending = second.jobs.pending();
    assert.deepEqual(pending, [
      {
        ...job(7),
        progressMessageId: 555,
        attempts: 1,
        interrupted: false,
        acceptedAt: 1_000,
      },
      {
        ...job(5, { chatId: -20, kind: "audio", messageId: undefined }),
        progressMessageId: undefined,
        attempts: 1,
        interrupted: false,
        acceptedAt: 2_000,
      },
    ]);
    second.jobs.clear(7);
    assert.deepEqual(
      second.jobs.pending().map((entry) => entry.updateId),
      [5],
    );
    second.close();
  });

  it("accepting an update again keeps the first record; a retry counts and resets it", () => {
    const store = Store.open(newFile());
    store.jobs.accept(job(1));
    store.jobs.showProgress(1, 9);
    store.jobs.markInterrupted(1);
    store.jobs.accept(job(1, { kind: "changed" }));
    let [entry] = store.jobs.pending();
    assert.equal(entry?.kind, "text");
    assert.equal(entry?.interrupted, true);
    assert.equal(entry?.progressMessageId, 9);

    store.jobs.retry(1);
    store.jobs.accept(job(1));
    [entry] = store.jobs.pending();
    assert.equal(entry?.attempts, 2);
    assert.equal(entry?.interrupted, false);
    assert.equal(entry?.progressMessageId, undefined);

    store.jobs.showProgress(1, 12);
    store.jobs.showProgress(1, undefined);
    assert.equal(store.jobs.pending()[0]?.progressMessageId, undefined);
    store.close();
  });

  it("forgetUser removes the user's jobs and only theirs", () => {
    const store = Store.open(newFile());
    store.jobs.accept(job(1, { userId: 10, chatId: 10 }));
    store.jobs.accept(job(2, { userId: 10, chatId: -20 }));
    store.jobs.accept(job(3, { userId: 11, chatId: 11 }));
    store.forgetUser(10);
    assert.deepEqual(
      store.jobs.pending().map((entry) => entry.updateId),
      [3],
    );
    store.close();
  });
});
