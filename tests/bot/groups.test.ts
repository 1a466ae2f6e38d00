import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Message } from "grammy/types";
import { BOT_INFO, Harness } from "./harness.js";

describe("groups: privacy-mode behaviour", () => {
  it("ignores ordinary messages, photos and voice notes", async () => {
    const h = new Harness();
    const group = h.group();
    await h.text(h.user(), "just talking", { chat: group });
    await h.photo(h.user(), { chat: group });
    await h.voice(h.user(), { chat: group });
    assert.deepEqual(h.calls, []);
  });

  it("answers a mention, as a reply, with a placeholder edited into the answer", async () => {
    const h = new Harness();
    h.answer = "The **answer**";
    const question = await h.text(h.user(20), "@local_ai_bot what is 2+2?", {
      chat: h.group(),
      entities: [{ type: "mention", offset: 0, length: 13 }],
    });
    assert.deepEqual(h.chatRequests, [
      { chatId: -100, userId: 20, text: "what is 2+2?", kind: "text" },
    ]);
    assert.equal(h.callsOf("sendMessageDraft").length, 0, "no drafts in groups");
    const first = h.callsOf("sendMessage")[0]!;
    assert.deepEqual(first.payload.reply_parameters, {
      message_id: question.message_id,
      allow_sending_without_reply: true,
    });
    const finalEdit = h.callsOf("editMessageText").at(-1)!;
    assert.equal(finalEdit.payload.text, "The <b>answer</b>");
    assert.equal(finalEdit.payload.parse_mode, "HTML");
  });

  it("answers replies to its own messages, keeping a context per (chat, user)", async () => {
    const h = new Harness();
    const botMessage = {
      message_id: 5,
      date: 0,
      chat: h.group(),
      from: BOT_INFO,
      text: "earlier answer",
    } as unknown as Message;
    await h.text(h.user(21), "and why?", { chat: h.group(), replyTo: botMessage });
    await h.text(h.user(22), "/ask@local_ai_bot something else", { chat: h.group() });
    assert.deepEqual(
      h.chatRequests.map((request) => [request.chatId, request.userId, request.text]),
      [
        [-100, 21, "and why?"],
        [-100, 22, "something else"],
      ],
    );
  });

  it("/ask without a question explains itself", async () => {
    const h = new Harness();
    await h.text(h.user(), "/ask", { chat: h.group() });
    assert.equal(h.sentTexts()[0], "Write /ask and your question.");
  });

  it("/ocr as a reply to a photo answers with its text as a reply", async () => {
    const h = new Harness();
    const group = h.group();
    const photo = await h.photo(h.user(23), { chat: group });
    await h.text(h.user(24), "/ocr", { chat: group, replyTo: photo });
    assert.equal(h.recognizeCalls.length, 1);
    const result = h
      .callsOf("sendMessage")
      .find((call) => call.payload.text === "Recognized text")!;
    assert.equal(
      (result.payload.reply_parameters as { message_id: number }).message_id,
      photo.message_id,
    );
    assert.equal(
      h.store.history.recent({ chatId: -100, userId: 24 }).length,
      0,
      "group OCR is not chat history",
    );
  });

  it("/ocr works in a photo's caption and on a PDF, and explains itself without one", async () => {
    const h = new Harness();
    const group = h.group();
    await h.photo(h.user(), { chat: group, caption: "/ocr@local_ai_bot" });
    const pdf = await h.document(h.user(), "a.pdf", "application/pdf", { chat: group });
    await h.text(h.user(), "/ocr", { chat: group, replyTo: pdf });
    assert.deepEqual(
      h.recognizeCalls.map((call) => call.kind),
      ["image", "pdf"],
    );
    await h.text(h.user(), "/ocr", { chat: group });
    assert.match(h.sentTexts().at(-1) ?? "", /Reply with \/ocr to a photo or a PDF/);
  });

  it("/transcribe as a reply to a voice note sends only the transcript", async () => {
    const h = new Harness();
    const group = h.group();
    const voice = await h.voice(h.user(), { chat: group });
    await h.text(h.user(), "/transcribe", { chat: group, replyTo: voice });
    assert.ok(h.sentTexts().includes("🎙 Transcript:\nпривет бот"));
    assert.equal(h.chatRequests.length, 0);
    assert.equal(h.callsOf("sendVoice").length, 0);
  });

  it("/speak says its argument or the replied text as a voice message", async () => {
    const h = new Harness();
    const group = h.group();
    await h.text(h.user(), "/speak Привет всем", { chat: group });
    const said = await h.text(h.user(), "read me aloud", { chat: group });
    await h.text(h.user(), "/speak", { chat: group, replyTo: said });
    assert.deepEqual(h.spoken, ["Привет всем", "read me aloud"]);
    assert.equal(h.callsOf("sendVoice").length, 2);
    await h.text(h.user(30, "ru"), "/speak", { chat: group });
    assert.match(h.sentTexts().at(-1) ?? "", /Напишите \/speak и текст/);
  });
});
