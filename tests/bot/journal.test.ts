/**
 * The job journal as the bot keeps it (in-process, real SQLite in memory): a message is
 * journaled while its job runs; at start-up left jobs run again (once), Telegram's
 * re-delivery of one is dropped, and jobs tried too often are given up with a word to
 * their users; at shutdown the users of unfinished jobs are told.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Update } from "grammy/types";
import { jobKind, MAX_JOB_ATTEMPTS } from "../../src/bot/journal.js";
import { CapacityError } from "../../src/shared/errors.js";
import type { JobRecord } from "../../src/memory/index.js";
import { Harness } from "./harness.js";

const LOST_RU = "⚠️ Меня перезапустили, и я не смог это закончить. Пожалуйста, отправьте ещё раз.";
const INTERRUPTED_EN =
  "⚠️ I had to stop while working on this. I'll do it again as soon as I'm back.";

/** A private text message from user 10 as Telegram sends it. */
function textUpdate(updateId: number, text: string, language = "en"): Update {
  return {
    update_id: updateId,
    message: {
      message_id: 500 + updateId,
      date: 1_700_000_000,
      chat: { id: 10, type: "private", first_name: "User10" },
      from: { id: 10, is_bot: false, first_name: "User10", language_code: language },
      text,
    },
  } as Update;
}

function leaveJob(h: Harness, update: Update, fields: { attempts?: number; progress?: number }) {
  const message = update.message!;
  h.store.jobs.accept({
    updateId: update.update_id,
    chatId: message.chat.id,
    userId: message.from.id,
    kind: jobKind(message),
    messageId: message.message_id,
    language: message.from.language_code ?? "en",
    update,
  });
  for (let attempt = 1; attempt < (fields.attempts ?? 1); attempt++)
    h.store.jobs.retry(update.update_id);
  if (fields.progress) h.store.jobs.showProgress(update.update_id, fields.progress);
}

describe("job journal in the bot", () => {
  it("journals a message while its job runs and clears it once answered", async () => {
    const h = new Harness();
    const reply = h.services.chat.reply;
    let during: JobRecord[] = [];
    h.services.chat.reply = (request, options) => {
      during = h.store.jobs.pending();
      return reply(request, options);
    };
    const user = h.user(10, "ru");
    const message = await h.text(user, "привет");

    assert.equal(during.length, 1);
    assert.deepEqual(
      { ...during[0], acceptedAt: 0, update: undefined },
      {
        updateId: 1,
        chatId: 10,
        userId: 10,
        kind: "text",
        messageId: message.message_id,
        language: "ru",
        update: undefined,
        progressMessageId: undefined,
        attempts: 1,
        interrupted: false,
        acceptedAt: 0,
      },
    );
    assert.deepEqual((during[0]!.update as Update).message?.text, "привет");
    assert.deepEqual(h.store.jobs.pending(), []);
  });

  it("names what a message asks for", () => {
    const base = textUpdate(1, "/ocr@local_ai_bot now").message!;
    const command = {
      ...base,
      entities: [{ type: "bot_command" as const, offset: 0, length: 17 }],
    };
    assert.equal(jobKind(command), "command:ocr");
    assert.equal(jobKind(base), "text");
    const voice = {
      ...base,
      text: undefined,
      voice: { file_id: "f", file_unique_id: "u", duration: 1 },
    };
    assert.equal(jobKind(voice as never), "audio");
  });

  it("at start-up runs a left job again, once, and removes its stale status message", async () => {
    const h = new Harness();
    const update = textUpdate(40, "what is 2+2?");
    leaveJob(h, update, { progress: 777 });

    await h.telegram.recoverJobs();
    await h.idle();
    // Telegram delivers the same update again (it was never confirmed): it is not run twice.
    await h.telegram.handleUpdate(structuredClone(update));
    await h.idle();

    assert.deepEqual(
      h.callsOf("deleteMessage").map((call) => call.payload.message_id),
      [777],
    );
    assert.deepEqual(
      h.chatRequests.map((request) => request.text),
      ["what is 2+2?"],
    );
    assert.deepEqual(h.store.jobs.pending(), []);
  });

  it(`gives up a job started ${MAX_JOB_ATTEMPTS} times: its user is asked, in their language, to send it again`, async () => {
    const h = new Harness();
    const update = textUpdate(41, "привет", "ru");
    leaveJob(h, update, { attempts: MAX_JOB_ATTEMPTS, progress: 778 });

    await h.telegram.recoverJobs();
    await h.idle();

    assert.deepEqual(h.chatRequests, []);
    const [notice] = h.callsOf("sendMessage");
    assert.equal(notice?.payload.text, LOST_RU);
    assert.deepEqual(notice?.payload.reply_parameters, {
      message_id: update.message!.message_id,
      allow_sending_without_reply: true,
    });
    assert.deepEqual(
      h.callsOf("deleteMessage").map((call) => call.payload.message_id),
      [778],
    );
    assert.deepEqual(h.store.jobs.pending(), []);
  });

  it("at a timed-out shutdown tells each unfinished job's user and keeps the job for the next start", async () => {
    const h = new Harness();
    leaveJob(h, textUpdate(42, "first"), { progress: 779 });
    leaveJob(h, textUpdate(43, "tried before", "ru"), { attempts: MAX_JOB_ATTEMPTS });

    await h.telegram.interruptJobs();

    assert.deepEqual(h.sentTexts(), [INTERRUPTED_EN, LOST_RU]);
    assert.deepEqual(
      h.callsOf("deleteMessage").map((call) => call.payload.message_id),
      [779],
    );
    const left = h.store.jobs.pending();
    assert.deepEqual(
      left.map((job) => [job.updateId, job.interrupted, job.progressMessageId]),
      [[42, true, undefined]],
    );
  });

  it("a running job the shutdown then stops stays for the next start, with no second reply", async () => {
    const h = new Harness();
    let fail!: (error: Error) => void;
    const stopped = new Promise<never>((_resolve, reject) => (fail = reject));
    stopped.catch(() => undefined);
    h.services.chat.reply = () => ({
      pieces: (async function* () {
        yield await stopped;
      })(),
      done: stopped,
    });

    const handled = h.telegram.handleUpdate(textUpdate(44, "a long question"));
    await h.telegram.interruptJobs();
    // The model manager's shutdown refuses the job the user was just told about.
    fail(new CapacityError("model.shutting_down", "the bot is shutting down"));
    await handled;

    assert.deepEqual(h.sentTexts(), [INTERRUPTED_EN], "no 'send it again' after 'I'll do it'");
    assert.deepEqual(
      h.store.jobs.pending().map((job) => [job.updateId, job.interrupted]),
      [[44, true]],
    );
  });
});
