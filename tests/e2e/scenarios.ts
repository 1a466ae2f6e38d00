/**
 * Scenarios more than one e2e file runs, e.g. the same shutdown check in polling and in
 * webhook mode.
 */
import assert from "node:assert/strict";
import type { Message } from "@grammyjs/types";
import { editDistance, isProgress, normalizeText, sentText, type E2E } from "./harness.js";
import { ENGLISH_LINE, textPdf } from "./media.js";

/**
 * Sends a PDF of `pages` scanned pages, sends SIGTERM once the job has started (its status
 * message is out), and asserts that the recognized text still arrives after the signal
 * and that the process then exits 0 without logging an error.
 */
export async function assertSigtermDuringJobFinishesIt(e2e: E2E, pages = 3): Promise<void> {
  const { server } = e2e;
  const user = server.users.create();
  const chat = server.users.privateChat(user);
  const pdf = await textPdf(Array.from({ length: pages }, () => ({ scanned: ENGLISH_LINE })));
  server.users.sendDocument(chat, user, pdf, {
    fileName: "scans.pdf",
    mimeType: "application/pdf",
  });
  // The status message appears once the file is downloaded and the job has started.
  await e2e.waitFor(
    (c) => c.method === "sendMessage" && c.chatId === chat.id && isProgress(sentText(c)),
  );
  const signalledAt = server.calls.length;
  const exited = e2e.bot.stop();

  // The reply is recorded before the bot can exit, so an exit first means it was lost.
  const reply = await Promise.race([
    e2e.message(chat.id),
    exited.then((exit) => {
      throw new Error(
        `the bot exited (${JSON.stringify(exit)}) without sending the reply\n${e2e.bot.output()}`,
      );
    }),
  ]);
  const replyCall = server.calls.find(
    (c) =>
      c.chatId === chat.id && (c.result as Message | undefined)?.message_id === reply.message_id,
  )!;
  assert.ok(replyCall.seq >= signalledAt, "the reply was sent after the signal");
  const texts = (reply.text ?? "").split(/\n\s*\n/);
  assert.equal(texts.length, pages, `one text per page: ${JSON.stringify(reply.text)}`);
  for (const text of texts) {
    assert.ok(editDistance(normalizeText(text), normalizeText(ENGLISH_LINE)) <= 2, text);
  }

  assert.deepEqual(await exited, { code: 0, signal: null }, e2e.bot.output());
  assert.ok(
    e2e.bot.logs.some((line) => line.msg === "shut down cleanly"),
    e2e.bot.output(),
  );
  assert.deepEqual(e2e.bot.logsAtLeast(50), [], e2e.bot.output());
}
