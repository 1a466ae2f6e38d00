import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputError, ModelError } from "../../src/shared/errors.js";
import { Harness } from "./harness.js";

describe("bad input gets a clear reply in the user's language, and the bot keeps serving", () => {
  it("a corrupt photo", async () => {
    const h = new Harness();
    h.serviceError = new InputError("image.corrupt", "unsupported image format");
    const photo = await h.photo(h.user(1, "en"));
    const reply = h.callsOf("sendMessage").at(-1)!;
    assert.equal(
      reply.payload.text,
      "I couldn't open this image. Try sending it as a photo or a PNG/JPEG file.",
    );
    assert.equal(
      (reply.payload.reply_parameters as { message_id: number }).message_id,
      photo.message_id,
    );
    assert.equal(
      h.callsOf("deleteMessage").length,
      1,
      "the progress message is removed on failure too",
    );

    h.serviceError = undefined;
    await h.text(h.user(1), "/start");
    assert.match(h.sentTexts().at(-1) ?? "", /^Hi, User1!/);
  });

  it("a corrupt and an encrypted PDF, in Russian", async () => {
    const h = new Harness();
    h.serviceError = new InputError("pdf.corrupt", "Invalid PDF structure");
    await h.document(h.user(2, "ru"), "broken.pdf", "application/pdf");
    h.serviceError = new InputError("pdf.encrypted", "password");
    await h.document(h.user(2, "ru"), "locked.pdf", "application/pdf");
    const texts = h.sentTexts();
    assert.ok(texts.includes("PDF, похоже, повреждён — не удалось его открыть."), texts.join("|"));
    assert.ok(texts.includes("PDF защищён паролем. Пришлите копию без защиты."), texts.join("|"));
  });

  it("random bytes as a voice note", async () => {
    const h = new Harness();
    h.serviceError = new InputError(
      "audio.corrupt",
      "ffmpeg: Invalid data found when processing input",
    );
    await h.voice(h.user(3, "en"));
    assert.equal(
      h.sentTexts().at(-1),
      "I couldn't decode this audio. Is it a real voice note or audio file?",
    );
    assert.equal(h.chatRequests.length, 0);
  });

  it("an oversized file is refused before it is downloaded", async () => {
    const h = new Harness({ maxFileBytes: 5 * 2 ** 20 });
    await h.document(h.user(4, "en"), "big.pdf", "application/pdf", { size: 30 * 2 ** 20 });
    await h.voice(h.user(5, "ru"), { size: 6 * 2 ** 20 });
    assert.equal(h.callsOf("getFile").length, 0);
    assert.equal(h.recognizeCalls.length, 0);
    const texts = h.sentTexts();
    // The limit, and what to do about it (a smaller file, or a self-hosted Bot API server).
    assert.ok(
      texts.some((t) => t.startsWith("This file is too large: the limit is 5 MB. Send a shorter")),
      texts.join("|"),
    );
    assert.ok(
      texts.some((t) => t.startsWith("Файл слишком большой: предел 5 МБ. Пришлите файл короче")),
      texts.join("|"),
    );
  });

  it("over-long /speak text", async () => {
    const h = new Harness();
    h.serviceError = new InputError("tts.too_long", "too long", { maxChars: 1000, length: 5000 });
    await h.text(h.user(6, "en"), `/speak ${"a".repeat(5000)}`);
    assert.equal(
      h.sentTexts().at(-1),
      "That's too much text for a voice message: up to 1,000 characters, please.",
    );
    assert.equal(h.callsOf("sendVoice").length, 0);
  });

  it("an automatic voice reply that is too long is skipped, the text answer stands", async () => {
    const h = new Harness();
    h.store.settings.update(7, { voiceReplies: "always" });
    h.answer = "A long answer.";
    const speech = h.services.speech;
    speech.synthesize = async () => {
      throw new InputError("tts.too_long", "too long", { maxChars: 10 });
    };
    await h.text(h.user(7), "tell me everything");
    const texts = h.sentTexts();
    assert.equal(texts[0], "A long answer.");
    assert.ok(!texts.some((text) => /too much text|went wrong/.test(text)), texts.join("|"));
    assert.equal(h.callsOf("sendVoice").length, 0);
  });

  it("an unsupported document type", async () => {
    const h = new Harness();
    await h.document(h.user(8, "en"), "archive.zip", "application/zip");
    await h.document(h.user(9, "ru"), "data.bin", "application/octet-stream");
    assert.deepEqual(h.sentTexts(), [
      "I can read photos, images and PDFs, and listen to audio and video. This file type (application/zip) isn't one of them.",
      "Я читаю фото, картинки и PDF, слушаю аудио и видео. Этот тип файла (application/octet-stream) я не понимаю.",
    ]);
  });

  it("a missing model and a busy queue explain what happened", async () => {
    const h = new Harness();
    h.serviceError = new ModelError("model.missing", "not pulled", {
      model: "Xenova/whisper-small",
    });
    await h.voice(h.user(10, "en"));
    h.serviceError = new ModelError("model.busy", "queue full", { maxQueue: 50 });
    await h.photo(h.user(10, "en"));
    const texts = h.sentTexts();
    assert.ok(
      texts.some((text) => text.includes("npm run models:pull")),
      texts.join("|"),
    );
    assert.ok(
      texts.includes("I'm too busy right now. Please try again in a minute."),
      texts.join("|"),
    );
  });

  it("an unexpected failure gets a generic apology and is logged, and the next message works", async () => {
    const h = new Harness();
    h.serviceError = new Error("bug: undefined is not a function");
    await h.text(h.user(11, "ru"), "привет");
    assert.equal(h.sentTexts().at(-1), "Извините, у меня что-то сломалось. Попробуйте ещё раз.");
    h.serviceError = undefined;
    await h.text(h.user(11, "ru"), "ещё раз");
    assert.equal(h.sentTexts().at(-1), "Hello <b>there</b>!");
  });
});
