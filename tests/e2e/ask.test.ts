/**
 * End to end, questions about documents: a scanned 12-page PDF read by tesseract and asked
 * about a fact on page 9, a voice note asked about with its time code as the source, a
 * follow-up without the document until /reset, and a group member asking about another
 * member's result in their own thread.
 *
 * The fixture chat model answers every prompt with "Hello! I am a tiny local model." Where
 * a page says just that, the guard accepts it and the sources name the page; anywhere else
 * it is turned down, and the reply says the document doesn't tell, with the nearest places.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Message } from "@grammyjs/types";
import type { BotApiServer } from "../support/bot-api/index.js";
import { E2E, FIXTURE_ANSWER, FIXTURE_TRANSCRIPT, sentText } from "./harness.js";
import { lateVoiceNote, textPdf } from "./media.js";

/** What the fixture model answers, said on a page of a text-layer PDF. */
const PAGE_NINE = "Hello! I am a tiny local model.";
/**
 * Page 9 of the scan says the words of the fixture model's answer (a line tesseract reads
 * surely); the other pages say something else.
 */
const pageLine = (page: number) =>
  page === 9
    ? "The tiny local model says hello"
    : `Page ${page} lists the harbour cranes of dock ${page + 20}`;

const NOT_FOUND = "I couldn't find that in the document.";

describe("e2e: questions about documents and recordings", () => {
  let e2e: E2E;
  let server: BotApiServer;

  before(async () => {
    e2e = await E2E.start();
    server = e2e.server;
  });

  after(async () => {
    await e2e?.close();
  });

  /** The bot's next answer in the chat that is not the result of a file. */
  const reply = (chatId: number, matches: (text: string) => boolean = () => true) =>
    e2e.message(chatId, (text) => !text.startsWith("🎙") && matches(text));

  test("a scanned 12-page PDF: the answer's source is page 9; follow-ups until /reset", async () => {
    const { user, chat } = e2e.privateChat();
    const pdf = await textPdf(Array.from({ length: 12 }, (_, i) => ({ scanned: pageLine(i + 1) })));
    server.users.sendDocument(chat, user, pdf, {
      fileName: "scan.pdf",
      mimeType: "application/pdf",
    });
    const result = await e2e.message(chat.id, (text) => text.includes("cranes"));
    // The 💬 Ask button is under the text read.
    assert.ok(
      result.reply_markup?.inline_keyboard
        .flat()
        .some((b) => "callback_data" in b && b.callback_data.startsWith("res:ask:")),
    );

    server.users.sendText(chat, user, "What does the tiny local model say?", { replyTo: result });
    const answer = await reply(chat.id, (text) => text.includes(FIXTURE_ANSWER));
    const lines = (answer.text ?? "").split("\n");
    assert.equal(lines[0], FIXTURE_ANSWER);
    assert.equal(lines[2], "📎 Sources:");
    assert.match(lines[3] ?? "", /^p\. 9 — “The tiny local model says hello”$/);

    // A follow-up needs no reply: the document is still the context.
    server.users.sendText(chat, user, "And who says hello?");
    const followUp = await reply(chat.id, (text) => text.includes("📎 Sources:"));
    assert.match(followUp.text ?? "", /📎 Sources:\np\. 9 — “The tiny local model says hello”/);

    server.users.sendCommand(chat, user, "reset");
    await reply(chat.id, (text) => text.startsWith("New conversation"));
    server.users.sendText(chat, user, "And who says hello?");
    const chatAnswer = await reply(chat.id);
    assert.equal(chatAnswer.text, FIXTURE_ANSWER, "the chat model, no sources");
  });

  test("a voice note: the source is a time code inside the recording", async () => {
    const { user, chat } = e2e.privateChat();
    const voice = server.users.sendVoice(chat, user, await lateVoiceNote(6), { duration: 9 });
    await e2e.message(chat.id, (text) => text === `🎙 Transcript:\n${FIXTURE_TRANSCRIPT}`);
    // The chat model answers the voice note itself; then a question in reply to the voice note.
    await reply(chat.id, (text) => text === FIXTURE_ANSWER);
    server.users.sendText(chat, user, "What does the quick brown fox jump over?", {
      replyTo: voice,
    });
    const answer = await reply(chat.id, (text) => text.startsWith(NOT_FOUND));
    // The speech starts 6 s in: the VAD's window and so the segment start there, give or take.
    assert.match(
      answer.text ?? "",
      /Nearest places:\n0:0[5-6] — “The quick brown fox jumps over the lazy dog\.”/,
    );
  });

  test("in a group a member asks about another member's result, in their own thread", async () => {
    const alice = server.users.create();
    const bob = server.users.create();
    const chat = server.users.group("Readers", { members: [alice, bob] });
    const pdf = await textPdf([{ text: "Minutes of the harbour board" }, { text: PAGE_NINE }]);
    const file = server.users.sendDocument(chat, alice, pdf, {
      fileName: "minutes.pdf",
      mimeType: "application/pdf",
      caption: "/ocr",
    });
    const result = await e2e.message(chat.id, (text) => text.includes("harbour board"));
    assert.equal(result.reply_to_message?.message_id, file.message_id);

    // Bob presses 💬 Ask under Alice's result, then replies to the invitation.
    const prompt = await e2e.press(chat, bob, result, "res:ask", "sendMessage");
    assert.match(sentText(prompt), /Reply to this message with your question/);
    server.users.sendText(chat, bob, "What does the model say?", {
      replyTo: prompt.result as Message,
    });
    const answer = await reply(chat.id, (text) => text.includes("📎 Sources:"));
    assert.match(answer.text ?? "", /^Hello! I am a tiny local model\.\n\n📎 Sources:\np\. 2 — /);

    // Bob's follow-up (a mention) is about the document; Alice's thread has none.
    server.users.mentionBot(chat, bob, "and the board?");
    await reply(chat.id, (text) => text.startsWith(NOT_FOUND) || text.includes("📎"));
    const mention = server.users.mentionBot(chat, alice, "hello");
    // The chat model's answer (edited into place in a group), without sources.
    const hers = await e2e.waitFor(
      (c) =>
        (c.method === "sendMessage" || c.method === "editMessageText") &&
        c.chatId === chat.id &&
        sentText(c) === FIXTURE_ANSWER,
    );
    assert.equal((hers.result as Message).reply_to_message?.message_id, mention.message_id);

    // /ask as a reply to the PDF itself works too, without reading it again.
    const before = server.calls.filter((c) => c.method === "getFile").length;
    server.users.sendCommand(chat, alice, "ask", "What does the model say?", { replyTo: file });
    const hersAboutFile = await reply(chat.id, (text) => text.includes("📎 Sources:"));
    assert.equal(hersAboutFile.reply_to_message?.from?.id, alice.id);
    assert.equal(server.calls.filter((c) => c.method === "getFile").length, before);
  });
});
