/**
 * End to end, fairness between people: one person's long job (a 25-page scanned PDF, or ten
 * PDFs in a row) must not hold back another person's short question, in a group or in
 * private chats, and a person with too many requests waiting is told so at once. The bot
 * runs as its own process on the fixture models; one process serves every test here.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Chat, Message, User } from "@grammyjs/types";
import type { BotApiServer, RecordedCall } from "../support/bot-api/index.js";
import {
  E2E,
  editDistance,
  FIXTURE_ANSWER,
  isProgress,
  normalizeText,
  sentText,
} from "./harness.js";
import { ENGLISH_LINE, textPdf } from "./media.js";

/** Requests one person may have waiting behind the one being answered (OWNER_MAX_WAITING). */
const MAX_WAITING = 9;

/**
 * The longest a waiting person may see nothing. The status (a "typing" chat action) is
 * the first thing their update does once it is handled, and it no longer waits for anyone
 * else's job: what remains is a poll round trip and a Bot API call on loopback (a few
 * milliseconds when idle, up to a few hundred on the 2 shared cores while tesseract reads
 * the other person's pages), well under the 1 s.
 */
const STATUS_WITHIN_MS = 1_000;

/** `pages` scanned pages of {@link ENGLISH_LINE}, after a text page `title` when one is given. */
const scannedPdf = (pages: number, title?: string) =>
  textPdf([
    ...(title === undefined ? [] : [{ text: title }]),
    ...Array.from({ length: pages }, () => ({ scanned: ENGLISH_LINE })),
  ]);

/** Every scanned page came back as the scanned line (after the title, when there is one). */
function assertPages(text: string, pages: number, title?: string): void {
  const texts = text.split(/\n\s*\n/);
  if (title !== undefined) assert.equal(texts.shift(), title);
  assert.equal(texts.length, pages, `one text per page: ${JSON.stringify(text)}`);
  for (const page of texts)
    assert.ok(editDistance(normalizeText(page), normalizeText(ENGLISH_LINE)) <= 2, page);
}

/** Recognized text, as opposed to an answer or a refusal. */
const isRecognized = (text: string) => text !== FIXTURE_ANSWER && !text.startsWith("You already");

describe("e2e: one person's long job does not hold back another's question", () => {
  let e2e: E2E;
  let server: BotApiServer;

  before(async () => {
    e2e = await E2E.start({ env: { OWNER_MAX_WAITING: String(MAX_WAITING) } });
    server = e2e.server;
  });

  after(async () => {
    await e2e?.close();
  });

  /** The bot's next text of recognized pages in `chat` (private chats reply to nothing). */
  const resultIn = (chat: Chat) =>
    e2e.waitFor(
      (c) =>
        c.method === "sendMessage" &&
        c.chatId === chat.id &&
        !isProgress(sentText(c)) &&
        isRecognized(sentText(c)),
    );

  /** The bot's (non-progress) reply in `chat` to `message`. */
  const replyTo = (chat: Chat, message: Message) =>
    e2e.waitFor(
      (c) =>
        c.method === "sendMessage" &&
        c.chatId === chat.id &&
        !isProgress(sentText(c)) &&
        (c.result as Message | undefined)?.reply_to_message?.message_id === message.message_id,
    );

  /** The final version of the fixture answer in `chat` (a group edits a placeholder). */
  const answerIn = (chat: Chat) =>
    e2e.waitFor(
      (c) =>
        (c.method === "sendMessage" || c.method === "editMessageText") &&
        c.chatId === chat.id &&
        sentText(c) === FIXTURE_ANSWER,
    );

  /** A's job has started: its status message is out. */
  const started = (chat: Chat) =>
    e2e.waitFor(
      (c) => c.method === "sendMessage" && c.chatId === chat.id && isProgress(sentText(c)),
    );

  /**
   * B asks while A's job runs: B sees a status within {@link STATUS_WITHIN_MS}, then the
   * answer. Returns the answer's call.
   */
  const askMeanwhile = async (chat: Chat, bob: User): Promise<RecordedCall> => {
    const since = server.calls.length;
    const askedAt = performance.now();
    if (chat.type === "private") server.users.sendText(chat, bob, "what is 2+2?");
    else server.users.sendCommand(chat, bob, "ask", "what is 2+2?");
    const status = await e2e.waitFor(
      (c) => c.seq >= since && c.chatId === chat.id && c.method === "sendChatAction",
    );
    const waitedMs = performance.now() - askedAt;
    const answer = await answerIn(chat);
    assert.ok(status.seq < answer.seq, "the status comes before the answer");
    assert.ok(
      waitedMs < STATUS_WITHIN_MS,
      `a status within ${STATUS_WITHIN_MS} ms, not ${Math.round(waitedMs)} ms`,
    );
    return answer;
  };

  test("group: B's question is answered while A's 25-page PDF is read, and A's result is whole", async () => {
    const alice = server.users.create({ first_name: "Alice" });
    const bob = server.users.create({ first_name: "Bob" });
    const group = server.users.group("Team", { members: [alice, bob] });
    const document = server.users.sendDocument(group, alice, await scannedPdf(25), {
      fileName: "scans.pdf",
      mimeType: "application/pdf",
      caption: "/ocr",
    });
    await started(group);
    const answer = await askMeanwhile(group, bob);
    const result = await replyTo(group, document);
    assert.ok(answer.seq < result.seq, "B's answer came before A's result");
    assertPages(sentText(result), 25);
  });

  test("private chats: B's question is answered while A's 25-page PDF is read", async () => {
    const a = e2e.privateChat();
    const b = e2e.privateChat();
    server.users.sendDocument(a.chat, a.user, await scannedPdf(25), {
      fileName: "scans.pdf",
      mimeType: "application/pdf",
    });
    await started(a.chat);
    const answer = await askMeanwhile(b.chat, b.user);
    const result = await resultIn(a.chat);
    assert.ok(answer.seq < result.seq, "B's answer came before A's result");
    assertPages(sentText(result), 25);
  });

  test("A sends 10 PDFs in a row: B is answered before A's last result, and all 10 come, in order", async () => {
    const a = e2e.privateChat();
    const b = e2e.privateChat();
    // A text page first tells the ten apart: each result must be the next one's.
    const titles = Array.from({ length: 10 }, (_, index) => `Document number ${index + 1}`);
    const pdfs = await Promise.all(titles.map((title) => scannedPdf(3, title)));
    for (const [index, pdf] of pdfs.entries()) {
      server.users.sendDocument(a.chat, a.user, pdf, {
        fileName: `scans-${index + 1}.pdf`,
        mimeType: "application/pdf",
      });
    }
    await started(a.chat);
    const answer = await askMeanwhile(b.chat, b.user);
    const results: RecordedCall[] = [];
    for (const title of titles) {
      const result = await resultIn(a.chat);
      assertPages(sentText(result), 3, title);
      results.push(result);
    }
    assert.ok(answer.seq < results.at(-1)!.seq, "B's answer came before A's last result");
  });

  test("a person with too many requests waiting is told at once, and the others are served", async () => {
    const { user, chat } = e2e.privateChat({ language_code: "en" });
    server.users.sendDocument(chat, user, await scannedPdf(3), {
      fileName: "scans.pdf",
      mimeType: "application/pdf",
    });
    await started(chat);
    const questions = Array.from({ length: MAX_WAITING + 1 }, (_, index) =>
      server.users.sendText(chat, user, `question ${index + 1}`),
    );
    const refusal = await replyTo(chat, questions.at(-1)!);
    assert.equal(
      sentText(refusal),
      "You already have many requests waiting. I'll get to them; send more once they're done.",
    );
    const result = await resultIn(chat);
    assert.ok(refusal.seq < result.seq, "refused at once, not after the running job");
    assertPages(sentText(result), 3);
    for (let index = 0; index < MAX_WAITING; index++) await answerIn(chat);
  });
});
