/**
 * End to end, media side: photos and PDFs read by real tesseract OCR, a voice note
 * transcribed by the fixture Whisper, answered by the fixture Qwen and spoken by the
 * fixture VITS through ffmpeg, and bad files. The bot runs as its own process
 * (src/main.ts) over real HTTP; one process serves every test here.
 *
 * Normalization (the chat model cleaning recognized text) is on by default, and the
 * fixture Qwen answers its one fixed sentence to everything: its guard must reject that
 * and keep the raw recognized text, which is what these tests expect back.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Chat, Message, User } from "@grammyjs/types";
import type { BotApiServer } from "../support/bot-api/index.js";
import {
  E2E,
  editDistance,
  FIXTURE_ANSWER,
  FIXTURE_TRANSCRIPT,
  normalizeText,
  removeDir,
  sentText,
  tempDir,
  type LogLine,
} from "./harness.js";
import {
  ENGLISH_LINE,
  m4aAudio,
  probe,
  RUSSIAN_LINE,
  randomBytesOf,
  soundlessVoiceNote,
  textPdf,
  textPng,
  videoClip,
  voiceNote,
} from "./media.js";
import { buildTiff, textTiffPage } from "../support/tiffs.js";

const PDF_TEXT_LAYER = "Invoice number 42 for the garden shed";

/** OCR may slip on a character or two; more than that is a wrong reading. */
function assertRecognized(actual: string, expected: string): void {
  const distance = editDistance(normalizeText(actual), normalizeText(expected));
  assert.ok(
    distance <= 2,
    `recognized ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)} (${distance} edits)`,
  );
}

describe("e2e: photos, PDFs and voice", () => {
  let e2e: E2E;
  let server: BotApiServer;
  let scratch: string;

  before(async () => {
    scratch = tempDir("media");
    // A low ASR limit makes "too long" cheap to reach; the other recordings are 1-2 s.
    // Whisper, the VAD and the voices in worker threads of their own: the threaded path end to end.
    e2e = await E2E.start({ env: { ASR_MAX_SECONDS: "5", MODEL_WORKER_THREADS: "true" } });
    server = e2e.server;
  });

  after(async () => {
    await e2e?.close();
    if (scratch) removeDir(scratch);
  });

  const privateChat = () => e2e.privateChat();

  /** After a failure, the bot still answers the same user. */
  const assertStillServing = async (chat: Chat, user: User) => {
    server.users.sendCommand(chat, user, "start");
    const hello = await e2e.message(chat.id, (text) => text.startsWith("Hi, "));
    assert.ok(hello.text);
  };

  test("a photo of English text comes back as that text", async () => {
    const { user, chat } = privateChat();
    server.users.sendPhoto(chat, user, await textPng(ENGLISH_LINE));
    const reply = await e2e.message(chat.id);
    assertRecognized(reply.text ?? "", ENGLISH_LINE);
  });

  test("a photo of Russian text comes back as that text", async () => {
    const { user, chat } = privateChat();
    server.users.sendPhoto(chat, user, await textPng(RUSSIAN_LINE));
    const reply = await e2e.message(chat.id);
    assertRecognized(reply.text ?? "", RUSSIAN_LINE);
  });

  test("a PDF gives the text of its text-layer page and of its scanned page", async () => {
    const { user, chat } = privateChat();
    const pdf = await textPdf([{ text: PDF_TEXT_LAYER }, { scanned: ENGLISH_LINE }]);
    server.users.sendDocument(chat, user, pdf, {
      fileName: "invoice.pdf",
      mimeType: "application/pdf",
    });
    const reply = await e2e.message(chat.id);
    const pages = (reply.text ?? "").split(/\n\s*\n/).map((page) => page.trim());
    assert.equal(pages.length, 2, `two pages of text: ${JSON.stringify(reply.text)}`);
    assert.equal(normalizeText(pages[0]!), normalizeText(PDF_TEXT_LAYER));
    assertRecognized(pages[1]!, ENGLISH_LINE);
  });

  test("a multi-page TIFF gives every page's text, and names the page it could not read", async () => {
    const { user, chat } = privateChat();
    const tiff = buildTiff([
      await textTiffPage([ENGLISH_LINE]),
      await textTiffPage([RUSSIAN_LINE]),
      { width: 400, height: 100, corrupt: true },
    ]);
    server.users.sendDocument(chat, user, tiff, { fileName: "fax.tiff", mimeType: "image/tiff" });
    const reply = await e2e.message(chat.id);
    const pages = (reply.text ?? "").split(/\n\s*\n/).map((page) => page.trim());
    assert.equal(pages.length, 2, `two pages of text: ${JSON.stringify(reply.text)}`);
    assertRecognized(pages[0]!, ENGLISH_LINE);
    assertRecognized(pages[1]!, RUSSIAN_LINE);
    const note = await e2e.message(chat.id, (text) => text.includes("could not be read"));
    assert.match(note.text ?? "", /: 3\.\)$/);
  });

  test("a long PDF comes back as a text file, with the beginning as its caption", async () => {
    const { user, chat } = privateChat();
    const pages = Array.from({ length: 7 }, (_, p) =>
      Array.from(
        { length: 35 },
        (_, i) => `Line ${p + 1}.${i + 1}: the quick brown fox jumps over the lazy dog`,
      ).join("\n"),
    );
    const pdf = await textPdf(pages.map((text) => ({ text })));
    server.users.sendDocument(chat, user, pdf, {
      fileName: "report.pdf",
      mimeType: "application/pdf",
    });
    const sent = await e2e.waitFor((c) => c.method === "sendDocument" && c.chatId === chat.id);
    assert.ok(!sent.error, JSON.stringify(sent.error));
    const file = sent.files.get("document");
    assert.ok(file, "the text was uploaded as a file");
    assert.equal(file.fileName, "text.txt");
    const text = file.bytes.toString("utf8");
    assert.equal(normalizeText(text), normalizeText(pages.join("\n\n")));
    const caption = sentText(sent);
    assert.match(caption, /^The text is long \([\d,]+ characters\), so here it is as a file\./);
    assert.match(caption, /Line 1\.1: the quick brown fox/);
  });

  test("a voice note gets its transcript, a chat answer and a voice reply (OGG/Opus)", async () => {
    const { user, chat } = privateChat();
    server.users.sendVoice(chat, user, await voiceNote(2), { duration: 2 });
    const transcript = await e2e.message(chat.id);
    assert.equal(transcript.text, `🎙 Transcript:\n${FIXTURE_TRANSCRIPT}`);
    const answer = await e2e.message(chat.id);
    assert.equal(answer.text, FIXTURE_ANSWER);
    assert.ok(server.drafts(chat.id).length >= 1, "the answer was streamed as drafts");

    const voice = await e2e.waitFor((c) => c.method === "sendVoice" && c.chatId === chat.id);
    assert.ok(!voice.error, JSON.stringify(voice.error));
    const upload = voice.files.get("voice");
    assert.ok(upload, "the voice was uploaded as a file");
    assert.deepEqual(await probe(upload.bytes, scratch), [
      { codec_name: "opus", channels: 1, sample_rate: "48000" },
    ]);
    const spoken = voice.result as Message;
    assert.ok(spoken.voice!.duration >= 1);
    assert.ok(
      transcript.message_id < answer.message_id && answer.message_id < spoken.message_id,
      "transcript, then answer, then voice",
    );
  });

  test("an M4A audio file with its index at the end is transcribed and answered", async () => {
    const { user, chat } = privateChat();
    server.users.sendAudio(chat, user, await m4aAudio(2), {
      fileName: "memo.m4a",
      mimeType: "audio/mp4",
      duration: 2,
    });
    const transcript = await e2e.message(chat.id);
    assert.equal(transcript.text, `🎙 Transcript:\n${FIXTURE_TRANSCRIPT}`);
    const answer = await e2e.message(chat.id);
    assert.equal(answer.text, FIXTURE_ANSWER);
  });

  test("settings take effect: espeak speaks /speak, and voice replies can be turned off", async () => {
    const { user, chat } = privateChat();
    server.users.sendCommand(chat, user, "settings");
    let menu = await e2e.message(chat.id, (text) => text.startsWith("Settings"));
    const press = async (data: string) => {
      server.users.pressButton(chat, user, menu, `${data}:${user.id}`);
      const edited = await e2e.waitFor(
        (c) => c.method === "editMessageText" && c.chatId === chat.id,
      );
      menu = edited.result as Message;
      return sentText(edited);
    };
    await press("settings:ttsVoice"); // neural -> espeak
    await press("settings:voiceReplies"); // to voice notes -> always
    const shown = await press("settings:voiceReplies"); // always -> off
    assert.match(shown, /Voice replies: off/);
    assert.match(shown, /Voice: espeak/);
    server.users.pressButton(chat, user, menu, `settings:done:${user.id}`);
    await e2e.waitFor((c) => c.method === "editMessageReplyMarkup" && c.chatId === chat.id);

    // Russian with espeak: the Russian neural voice (used by no other test here) stays unloaded.
    server.users.sendCommand(chat, user, "speak", "Привет, как дела?");
    const voice = await e2e.waitFor((c) => c.method === "sendVoice" && c.chatId === chat.id);
    assert.ok(!voice.error, JSON.stringify(voice.error));
    assert.deepEqual(await probe(voice.files.get("voice")!.bytes, scratch), [
      { codec_name: "opus", channels: 1, sample_rate: "48000" },
    ]);

    server.users.sendVoice(chat, user, await voiceNote(1), { duration: 1 });
    await e2e.message(chat.id, (text) => text.startsWith("🎙 Transcript"));
    await e2e.message(chat.id, (text) => text === FIXTURE_ANSWER);
    // Updates of a chat run in order: once /start is answered, the voice note is done.
    server.users.sendCommand(chat, user, "start");
    await e2e.message(chat.id, (text) => text.startsWith("Hi, "));
    const voices = server.calls.filter((c) => c.method === "sendVoice" && c.chatId === chat.id);
    assert.equal(voices.length, 1, "only /speak was spoken");
    // Checked last, when the log of the /speak job has surely been read.
    assert.ok(
      !e2e.bot.logs.some((line) => line.msg === "model loaded" && line.model === "tts-ru"),
      "espeak, not the neural voice, spoke",
    );
  });

  test("in a group, /transcribe in reply to a voice note answers with its transcript", async () => {
    const alice = server.users.create();
    const bob = server.users.create();
    const chat = server.users.group("Listeners", { members: [alice, bob] });
    const voice = server.users.sendVoice(chat, alice, await voiceNote(1), { duration: 1 });
    server.users.sendCommand(chat, bob, "transcribe", "", { replyTo: voice });
    const reply = await e2e.message(chat.id);
    assert.equal(reply.text, `🎙 Transcript:\n${FIXTURE_TRANSCRIPT}`);
    assert.equal(reply.reply_to_message?.message_id, voice.message_id);
  });

  test("in a group, /ocr in reply to a photo answers with its text, as a reply", async () => {
    const alice = server.users.create();
    const bob = server.users.create();
    const chat = server.users.group("Readers", { members: [alice, bob] });
    const photo = server.users.sendPhoto(chat, alice, await textPng(ENGLISH_LINE));
    server.users.sendCommand(chat, bob, "ocr", "", { replyTo: photo });
    const reply = await e2e.message(chat.id);
    assertRecognized(reply.text ?? "", ENGLISH_LINE);
    assert.equal(reply.reply_to_message?.message_id, photo.message_id);
  });

  test("a silent or noise-only voice note gets the no-speech reply, in the user's language", async () => {
    const { user, chat } = privateChat();
    server.users.sendVoice(chat, user, await soundlessVoiceNote(3), { duration: 3 });
    assert.equal((await e2e.message(chat.id)).text, "I heard no speech in this recording.");
    server.users.sendVoice(chat, user, await soundlessVoiceNote(4, true), { duration: 4 });
    assert.equal((await e2e.message(chat.id)).text, "I heard no speech in this recording.");
    const russian = server.users.create({ language_code: "ru" });
    const ruChat = server.users.privateChat(russian);
    server.users.sendVoice(ruChat, russian, await soundlessVoiceNote(3, true), { duration: 3 });
    assert.equal((await e2e.message(ruChat.id)).text, "Я не услышал речи в этой записи.");
  });

  test("a video sent as an MP4 document is transcribed from its sound track", async () => {
    const { user, chat } = privateChat();
    server.users.sendDocument(chat, user, await videoClip(3, "mp4"), {
      fileName: "clip.mp4",
      mimeType: "video/mp4",
    });
    const transcript = await e2e.message(chat.id);
    assert.equal(transcript.text, `🎙 Transcript:\n${FIXTURE_TRANSCRIPT}`);
    const logged = e2e.bot.logs.find(
      (line) => line.msg === "audio transcribed" && line.fileName === "clip.mp4",
    );
    assert.ok(logged, "the transcription was logged with its segments");
    const segments = logged.segments as [number, number][];
    assert.ok(segments.length >= 1 && segments.every(([start, end]) => start < end && end <= 3));
  });

  test("random bytes as a voice note get the audio error, and the bot keeps serving", async () => {
    const { user, chat } = privateChat();
    server.users.sendVoice(chat, user, randomBytesOf(), { duration: 3 });
    const reply = await e2e.message(chat.id);
    assert.equal(
      reply.text,
      "I couldn't decode this audio. Is it a real voice note or audio file?",
    );
    await assertStillServing(chat, user);
  });

  test("a recording over ASR_MAX_SECONDS gets the too-long error", async () => {
    const { user, chat } = privateChat();
    server.users.sendVoice(chat, user, await voiceNote(7), { duration: 7 });
    const reply = await e2e.message(chat.id);
    assert.equal(
      reply.text,
      "This recording is too long: I transcribe up to 5 seconds. Send it in parts, or ask the bot's admin to raise ASR_MAX_SECONDS.",
    );
  });

  test("photos from several users at once each get their own text back", async () => {
    const lines = ["First user reads this line", "Second user reads another", "Third one"];
    const senders = lines.map((line) => ({ line, ...privateChat() }));
    const images = await Promise.all(lines.map((line) => textPng(line)));
    senders.forEach(({ user, chat }, i) => server.users.sendPhoto(chat, user, images[i]!));
    for (const { line, chat } of senders) {
      const reply = await e2e.message(chat.id);
      assertRecognized(reply.text ?? "", line);
    }
  });

  test("a corrupt PNG document gets the image error, and the bot keeps serving", async () => {
    const { user, chat } = privateChat();
    server.users.sendDocument(chat, user, randomBytesOf(), {
      fileName: "scan.png",
      mimeType: "image/png",
    });
    const reply = await e2e.message(chat.id);
    assert.equal(
      reply.text,
      "I couldn't open this image. Try sending it as a photo or a PNG/JPEG file.",
    );
    await assertStillServing(chat, user);
  });

  test("a Russian-speaking user gets the error in Russian", async () => {
    const user = server.users.create({ language_code: "ru" });
    const chat = server.users.privateChat(user);
    server.users.sendDocument(chat, user, randomBytesOf(), {
      fileName: "scan.png",
      mimeType: "image/png",
    });
    const reply = await e2e.message(chat.id);
    assert.equal(
      reply.text,
      "Не удалось открыть изображение. Пришлите его как фото или файл PNG/JPEG.",
    );
  });

  test("an unsupported document gets the unsupported text, and the bot keeps serving", async () => {
    const { user, chat } = privateChat();
    server.users.sendDocument(chat, user, randomBytesOf(), {
      fileName: "archive.zip",
      mimeType: "application/zip",
    });
    const reply = await e2e.message(chat.id);
    assert.equal(
      reply.text,
      "I can read photos, images and PDFs, and listen to audio and video. This file type (application/zip) isn't one of them.",
    );
    await assertStillServing(chat, user);
  });

  test("a file over MAX_FILE_MB is refused before it is downloaded", async () => {
    const { user, chat } = privateChat();
    const big = new Uint8Array(21 * 1024 * 1024);
    const sent = server.users.sendDocument(chat, user, big, {
      fileName: "big.pdf",
      mimeType: "application/pdf",
    });
    const reply = await e2e.message(chat.id);
    assert.match(
      reply.text ?? "",
      /^This file is too large: the limit is 20 MB\. .*self-hosted Bot API server/,
    );
    const fileId = sent.document!.file_id;
    assert.ok(
      !server.calls.some((c) => c.method === "getFile" && c.params.file_id === fileId),
      "no getFile for the refused file",
    );
  });

  test("the normalizer's guard kept the raw text; nothing worse than expected was logged", () => {
    const logs = e2e.bot.logs;
    assert.deepEqual(e2e.bot.logsAtLeast(50), [], e2e.bot.output());
    // The fixture Qwen's fixed sentence is no cleaning of any OCR or ASR text.
    const rejected = logs.filter((line) => line.msg === "normalization rejected");
    assert.ok(rejected.some((line) => line.kind === "ocr"));
    assert.ok(rejected.some((line) => line.kind === "asr"));
    const expected = (line: LogLine) =>
      line.msg === "normalization rejected" ||
      (line.msg === "request failed" &&
        [
          "audio.corrupt",
          "audio.no_speech",
          "audio.too_long",
          "image.corrupt",
          "input.too_large",
        ].includes(String(line.code)));
    const unexpected = e2e.bot.logsAtLeast(40).filter((line) => !expected(line));
    assert.deepEqual(unexpected, [], e2e.bot.output());
  });

  test("OCR, speech and voices wrote nothing into the working directory", () => {
    assert.deepEqual(e2e.bot.strayFiles(), []);
  });

  test("nothing was written to stderr", () => {
    assert.equal(e2e.bot.stderr, "");
  });
});
