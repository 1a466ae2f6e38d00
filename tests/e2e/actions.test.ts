/**
 * End to end, the buttons under results: Summary and Translate through the fixture chat
 * model, Read aloud as an OGG/Opus voice, As file, Subtitles for transcripts; refused to
 * anyone but the person who asked; still working after a restart. Also forum topics
 * (every reply in the topic asked in) and /export.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Message } from "@grammyjs/types";
import type { BotApiServer, RecordedCall } from "../support/bot-api/index.js";
import {
  button,
  E2E,
  FIXTURE_ANSWER,
  FIXTURE_TRANSCRIPT,
  normalizeText,
  removeDir,
  sentText,
  tempDir,
} from "./harness.js";
import { ENGLISH_LINE, probe, textPng, voiceNote } from "./media.js";

function buttonData(message: Message): string[] {
  return (message.reply_markup?.inline_keyboard.flat() ?? []).map((b) =>
    "callback_data" in b ? b.callback_data.replace(/:\d+$/, "") : "?",
  );
}

describe("e2e: actions under results, forum topics, /export", () => {
  let e2e: E2E;
  let server: BotApiServer;
  let scratch: string;

  before(async () => {
    scratch = tempDir("actions");
    e2e = await E2E.start();
    server = e2e.server;
  });

  after(async () => {
    await e2e?.close();
    if (scratch) removeDir(scratch);
  });

  const privateChat = () => e2e.privateChat();

  const assertVoice = async (call: RecordedCall) => {
    const upload = call.files.get("voice");
    assert.ok(upload, "a voice was uploaded");
    assert.deepEqual(await probe(upload.bytes, scratch), [
      { codec_name: "opus", channels: 1, sample_rate: "48000" },
    ]);
  };

  test("every button on an OCR result works, each answering the result", async () => {
    const { user, chat } = privateChat();
    server.users.sendPhoto(chat, user, await textPng(ENGLISH_LINE));
    const result = await e2e.message(chat.id);
    // A photo's reading also offers 📊 Table (tests/e2e/vision.test.ts presses it).
    // 💬 Ask is pressed in tests/e2e/ask.test.ts.
    assert.deepEqual(buttonData(result), [
      "res:sum",
      "res:tr",
      "res:tts",
      "res:file",
      "res:tbl",
      "res:ask",
    ]);

    const summary = await e2e.press(chat, user, result, "res:sum", "sendMessage");
    assert.equal(sentText(summary), FIXTURE_ANSWER);
    const translation = await e2e.press(chat, user, result, "res:tr", "sendMessage");
    assert.equal(sentText(translation), FIXTURE_ANSWER);
    await assertVoice(await e2e.press(chat, user, result, "res:tts", "sendVoice"));
    const file = await e2e.press(chat, user, result, "res:file", "sendDocument");
    const upload = file.files.get("document");
    assert.equal(upload?.fileName, "text.txt");
    assert.equal(normalizeText(upload.bytes.toString("utf8")), normalizeText(result.text ?? ""));
  });

  test("every button on a transcript works, subtitles included; others are refused", async () => {
    const alice = server.users.create();
    const bob = server.users.create();
    const chat = server.users.group("Listeners", { members: [alice, bob] });
    const voice = server.users.sendVoice(chat, alice, await voiceNote(2), { duration: 2 });
    server.users.sendCommand(chat, bob, "transcribe", "", { replyTo: voice });
    const result = await e2e.message(chat.id);
    assert.equal(result.text, `🎙 Transcript:\n${FIXTURE_TRANSCRIPT}`);
    assert.deepEqual(buttonData(result), [
      "res:sum",
      "res:tr",
      "res:tts",
      "res:file",
      "res:srt",
      "res:ask",
    ]);

    // Alice sent the voice note, but Bob asked for the transcript: the buttons are Bob's.
    const refused = server.users.pressButton(chat, alice, result, button(result, "res:sum"));
    const answer = await e2e.waitFor(
      (c) => c.method === "answerCallbackQuery" && c.params.callback_query_id === refused.id,
    );
    assert.equal(answer.params.text, "Only the person who asked for this can use its buttons.");

    const summary = await e2e.press(chat, bob, result, "res:sum", "sendMessage");
    assert.equal(sentText(summary), FIXTURE_ANSWER);
    const translation = await e2e.press(chat, bob, result, "res:tr", "sendMessage");
    assert.equal(sentText(translation), FIXTURE_ANSWER);
    await assertVoice(await e2e.press(chat, bob, result, "res:tts", "sendVoice"));
    const file = await e2e.press(chat, bob, result, "res:file", "sendDocument");
    assert.equal(file.files.get("document")?.bytes.toString("utf8").trim(), FIXTURE_TRANSCRIPT);
    const subtitles = await e2e.press(chat, bob, result, "res:srt", "sendDocument");
    const srt = subtitles.files.get("document");
    assert.equal(srt?.fileName, "subtitles.srt");
    // One cue from where the VAD hears the speech begin (after the note's 0.2 s pause).
    assert.match(
      srt.bytes.toString("utf8"),
      new RegExp(`^1\\n00:00:00,\\d{3} --> 00:00:0[12],\\d{3}\\n${FIXTURE_TRANSCRIPT}\\n$`),
    );
  });

  test("in a forum topic every reply goes to that topic", async () => {
    const alice = server.users.create();
    const chat = server.users.group("Forum", { members: [alice] });
    const topic = 77;
    const since = server.calls.length;
    const photo = server.users.sendPhoto(chat, alice, await textPng(ENGLISH_LINE), {
      caption: "/ocr",
      topic,
    });
    const result = await e2e.message(chat.id);
    assert.equal(result.reply_to_message?.message_id, photo.message_id);
    await e2e.press(chat, alice, result, "res:sum", "sendMessage");
    await e2e.press(chat, alice, result, "res:tts", "sendVoice");
    server.users.mentionBot(chat, alice, "hello there", { topic });
    // In groups a quick answer is sent whole; a longer one streams into a message that is edited.
    await e2e.waitFor(
      (c) =>
        (c.method === "sendMessage" || c.method === "editMessageText") &&
        c.chatId === chat.id &&
        sentText(c) === FIXTURE_ANSWER,
    );

    const posts = server.calls
      .slice(since)
      .filter((c) => c.chatId === chat.id && /^(send|copyMessage)/.test(c.method));
    const methods = new Set(posts.map((c) => c.method));
    for (const method of ["sendMessage", "sendChatAction", "sendVoice"])
      assert.ok(methods.has(method), `${method} was used: ${[...methods].join(", ")}`);
    const outside = posts.filter((c) => Number(c.params.message_thread_id) !== topic);
    assert.deepEqual(
      outside.map((c) => c.method),
      [],
      "every post went to the topic",
    );
  });

  test("/export sends JSON with the user's messages and Markdown; after /forget nothing", async () => {
    const { user, chat } = privateChat();
    server.users.sendText(chat, user, "remember the blue door");
    await e2e.message(chat.id, (text) => text === FIXTURE_ANSWER);
    server.users.sendCommand(chat, user, "export");
    const json = await e2e.waitFor((c) => c.method === "sendDocument" && c.chatId === chat.id);
    const file = json.files.get("document");
    assert.equal(file?.fileName, "my-data.json");
    const data = JSON.parse(file.bytes.toString("utf8")) as {
      userId: number;
      history: { role: string; text: string }[];
    };
    assert.equal(data.userId, user.id);
    assert.deepEqual(
      data.history.map((turn) => [turn.role, turn.text]),
      [
        ["user", "remember the blue door"],
        ["assistant", FIXTURE_ANSWER],
      ],
    );
    const markdown = await e2e.waitFor((c) => c.method === "sendDocument" && c.chatId === chat.id);
    assert.equal(markdown.files.get("document")?.fileName, "conversations.md");
    assert.match(markdown.files.get("document")!.bytes.toString("utf8"), /remember the blue door/);

    server.users.sendCommand(chat, user, "forget");
    const confirm = await e2e.message(chat.id, (text) => text.startsWith("This deletes"));
    server.users.pressButton(chat, user, confirm, `forget:yes:${user.id}`);
    await e2e.waitFor((c) => c.method === "editMessageText" && c.chatId === chat.id);
    server.users.sendCommand(chat, user, "export");
    const empty = await e2e.message(chat.id);
    assert.equal(empty.text, "I have nothing stored about you.");
  });

  test("/export in a group asks for a private chat", async () => {
    const alice = server.users.create();
    const chat = server.users.group("Exporters", { members: [alice] });
    server.users.sendCommand(chat, alice, "export");
    const reply = await e2e.message(chat.id);
    assert.match(reply.text ?? "", /use it in a private chat/);
  });

  test("buttons still work after a restart", async () => {
    const { user, chat } = privateChat();
    server.users.sendPhoto(chat, user, await textPng(ENGLISH_LINE));
    const result = await e2e.message(chat.id);
    const exit = await e2e.restart();
    assert.equal(exit.code, 0);
    const summary = await e2e.press(chat, user, result, "res:sum", "sendMessage");
    assert.equal(sentText(summary), FIXTURE_ANSWER);
    const file = await e2e.press(chat, user, result, "res:file", "sendDocument");
    assert.equal(file.files.get("document")?.fileName, "text.txt");
  });
});
