import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Harness } from "./harness.js";

describe("private chat: text", () => {
  it("streams the answer as drafts, then sends it as HTML, and asks the chat service with the user's turn", async () => {
    const h = new Harness();
    h.answer = "Hello **there**, how are you today?";
    await h.text(h.user(10), "hi bot");

    assert.deepEqual(h.chatRequests, [{ chatId: 10, userId: 10, text: "hi bot", kind: "text" }]);
    const drafts = h.callsOf("sendMessageDraft");
    assert.ok(drafts.length >= 2, `expected several drafts, got ${drafts.length}`);
    for (const draft of drafts)
      assert.ok(h.answer.startsWith(String(draft.payload.text)), "drafts grow the answer");
    assert.equal(
      new Set(drafts.map((draft) => draft.payload.draft_id)).size,
      1,
      "one draft id per answer",
    );
    const final = h.callsOf("sendMessage").at(-1)!;
    assert.equal(final.payload.text, "Hello <b>there</b>, how are you today?");
    assert.equal(final.payload.parse_mode, "HTML");
    assert.ok(h.callsOf("sendChatAction").some((call) => call.payload.action === "typing"));
  });

  it("says so when an answer stopped at the token cap, and only then", async () => {
    const h = new Harness();
    h.answer = "A long answer that";
    await h.text(h.user(11), "tell me everything");
    assert.ok(!h.callsOf("sendMessage").some((c) => String(c.payload.text).startsWith("✂️")));
    h.answerTruncated = true;
    await h.text(h.user(11), "tell me everything");
    const note = h.callsOf("sendMessage").at(-1)!;
    assert.match(String(note.payload.text), /^✂️ The answer stopped at its length limit/);
  });

  it("resends as plain text when Telegram rejects the HTML", async () => {
    const h = new Harness();
    h.answer = "Use <b>x</b> carefully";
    h.failNext("sendMessage", {
      error_code: 400,
      description: "Bad Request: can't parse entities: unsupported start tag",
    });
    await h.text(h.user(), "question");
    const sends = h.callsOf("sendMessage");
    assert.equal(sends.length, 2);
    assert.equal(sends[0]?.payload.parse_mode, "HTML");
    assert.equal(sends[1]?.payload.parse_mode, undefined);
    assert.equal(sends[1]?.payload.text, "Use <b>x</b> carefully");
  });

  it("splits answers longer than 4096 characters at paragraph boundaries", async () => {
    const h = new Harness();
    const paragraph = "word ".repeat(300).trim();
    h.answer = Array.from({ length: 5 }, (_, i) => `Part ${i}: ${paragraph}`).join("\n\n");
    await h.text(h.user(), "write a lot");
    const texts = h.sentTexts();
    assert.ok(texts.length >= 2);
    for (const text of texts) assert.ok(text.length <= 4096, `message of ${text.length} chars`);
    assert.ok(
      texts.every((text) => text.startsWith("Part ")),
      "each message starts at a paragraph",
    );
    assert.equal(texts.join("\n\n"), h.answer);
  });

  it("falls back to a placeholder that is edited when drafts are unavailable", async () => {
    const h = new Harness();
    h.answer = "one two three";
    h.failNext("sendMessageDraft", {
      error_code: 400,
      description: "Bad Request: method is unavailable",
    });
    await h.text(h.user(), "hi");
    assert.equal(h.sentTexts().at(-1), "one two three");
  });

  it("adds a voice reply to every answer when voice replies are 'always'", async () => {
    const h = new Harness();
    h.store.settings.update(10, { voiceReplies: "always" });
    h.answer = "Sure.";
    await h.text(h.user(10), "hello");
    assert.deepEqual(h.spoken, ["Sure."]);
    const voice = h.callsOf("sendVoice")[0];
    assert.ok(
      voice?.uploads.voice && Buffer.from(voice.uploads.voice).subarray(0, 4).toString() === "OggS",
    );
    assert.equal(voice?.payload.duration, 2);
  });
});

describe("private chat: photos and documents", () => {
  it("returns the recognized text, shows and removes a progress message, and remembers the text", async () => {
    const h = new Harness();
    h.progress = [{ type: "queued", position: 2 }, { type: "loading" }];
    await h.photo(h.user(10));
    const texts = h.sentTexts();
    assert.match(texts[0] ?? "", /Working on it/);
    assert.equal(texts.at(-1), "Recognized text");
    const edits = h.callsOf("editMessageText").map((call) => String(call.payload.text));
    assert.ok(
      edits.some((text) => /number 2 in line/.test(text)),
      edits.join("|"),
    );
    assert.ok(
      edits.some((text) => /Loading the model/.test(text)),
      edits.join("|"),
    );
    assert.equal(h.callsOf("deleteMessage").length, 1);
    assert.deepEqual(h.recognizeCalls, [{ kind: "image", normalize: true }]);
    assert.deepEqual(
      h.store.history.recent({ chatId: 10, userId: 10 }).map((turn) => [turn.kind, turn.text]),
      [["ocr", "Recognized text"]],
    );
  });

  it("shows page progress in Russian for a Russian user and notes skipped pages", async () => {
    const h = new Harness();
    h.progress = [{ type: "page", page: 3, pages: 12 }];
    h.recognized = { text: "Страница", language: "ru", pages: 30, skippedPages: 5 };
    await h.document(h.user(11, "ru"), "scan.pdf", "application/pdf");
    const edits = h.callsOf("editMessageText").map((call) => String(call.payload.text));
    assert.ok(
      edits.some((text) => text.includes("Читаю страницу 3 из 12")),
      edits.join("|"),
    );
    assert.deepEqual(h.recognizeCalls, [{ kind: "pdf", normalize: true }]);
    assert.ok(h.sentTexts().some((text) => text.includes("первые 30 из 35")));
  });

  it("reads a TIFF as a picture and names the pages that could not be read", async () => {
    const h = new Harness();
    h.recognized = {
      text: "Page text",
      language: "en",
      pages: 4,
      skippedPages: 0,
      unreadablePages: [2, 4],
    };
    await h.document(h.user(), "fax.tiff", "image/tiff");
    assert.deepEqual(h.recognizeCalls, [{ kind: "image", normalize: true }]);
    assert.ok(
      h.sentTexts().some((text) => /could not be read.*: 2, 4\./.test(text)),
      h.sentTexts().join("|"),
    );
  });

  it("sends long recognized text as a .txt file with a preview", async () => {
    const h = new Harness();
    h.recognized = {
      text: "Line of recognized text.\n".repeat(800),
      language: "en",
      pages: 1,
      skippedPages: 0,
    };
    await h.photo(h.user());
    const document = h.callsOf("sendDocument")[0];
    assert.ok(document, "a document was sent");
    assert.equal(Buffer.from(document.uploads.document!).toString("utf8"), h.recognized.text);
    assert.match(String(document.payload.caption), /^The text is long \(20,000 characters\)/);
    assert.ok(String(document.payload.caption).length <= 1024);
  });

  it("says when no text was found", async () => {
    const h = new Harness();
    h.recognized = { text: "  ", language: "en", pages: 1, skippedPages: 0 };
    await h.photo(h.user());
    assert.equal(h.sentTexts().at(-1), "I couldn't find any text in it.");
  });

  it("skips normalization when the user turned it off", async () => {
    const h = new Harness();
    h.store.settings.update(10, { normalize: false });
    await h.photo(h.user(10));
    assert.deepEqual(h.recognizeCalls, [{ kind: "image", normalize: false }]);
  });
});

describe("private chat: voice", () => {
  it("sends the transcript, answers it, and replies with voice by default", async () => {
    const h = new Harness();
    h.answer = "Привет!";
    await h.voice(h.user(12, "ru"));
    const texts = h.sentTexts();
    assert.ok(
      texts.some((text) => text === "🎙 Расшифровка:\nпривет бот"),
      texts.join("|"),
    );
    assert.deepEqual(h.chatRequests, [
      { chatId: 12, userId: 12, text: "привет бот", kind: "voice" },
    ]);
    assert.deepEqual(h.spoken, ["Привет!"]);
    assert.equal(h.callsOf("sendVoice").length, 1);
  });

  it("answers in text only when voice replies are off", async () => {
    const h = new Harness();
    h.store.settings.update(12, { voiceReplies: "off" });
    await h.voice(h.user(12));
    assert.equal(h.callsOf("sendVoice").length, 0);
    assert.equal(h.chatRequests.length, 1);
  });

  it("says when there was no speech and does not ask the chat model", async () => {
    const h = new Harness();
    h.transcript = {
      text: "",
      rawText: "",
      normalized: false,
      language: "en",
      durationS: 1,
      segments: [],
    };
    await h.voice(h.user());
    assert.equal(h.sentTexts().at(-1), "I couldn't make out any speech.");
    assert.equal(h.chatRequests.length, 0);
  });
});
