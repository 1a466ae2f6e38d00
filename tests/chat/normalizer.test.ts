import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ChatNormalizer,
  checkNormalization,
  chunkText,
  joinChunks,
  tidyOutput,
  wordOverlap,
  type Normalizer,
} from "../../src/services/chat/index.js";
import { isAppError } from "../../src/shared/errors.js";
import { RecordingHandle } from "../support/model-handle.js";
import { silent, stubChat } from "./stub-chat.js";

/** A "model" that cleans the text it is given the way a good one would. */
function cleaner(fix: (text: string) => string) {
  return stubChat((messages) => [fix(messages.at(-1)!.content)]);
}

const OCR_RAW =
  "the quick brown fox jumps over the la-\nzy dog. it was not amused\nby the fox at all";
const OCR_CLEAN =
  "The quick brown fox jumps over the lazy dog. It was not amused by the fox at all.";

describe("normalization guard", () => {
  it("accepts a faithful cleanup", () => {
    assert.equal(checkNormalization(OCR_RAW, OCR_CLEAN), undefined);
  });

  it("accepts fixed recognition slips", () => {
    assert.equal(
      checkNormalization(
        "Привет, как дела? Сегодня хорошая погсда в Моcкве",
        "Привет, как дела? Сегодня хорошая погода в Москве.",
      ),
      undefined,
    );
  });

  it("rejects an answer instead of a cleanup", () => {
    assert.match(
      checkNormalization(OCR_RAW, `Sure! Here is the corrected text: ${OCR_CLEAN}`) ?? "",
      /answer/,
    );
    assert.match(
      checkNormalization(
        "привет как дела у тебя сегодня",
        "Конечно, вот текст: привет, как дела у тебя сегодня?",
      ) ?? "",
      /answer/,
    );
    assert.match(
      checkNormalization(OCR_RAW, "I can't help with that request, sorry about it, friend.") ?? "",
      /can't/,
    );
  });

  it("does not mistake text that itself starts like an answer", () => {
    assert.equal(
      checkNormalization("вот и всё что я хотел сказать", "Вот и всё, что я хотел сказать."),
      undefined,
    );
  });

  it("rejects a drifting length", () => {
    assert.match(checkNormalization(OCR_RAW, "The fox jumps.") ?? "", /length ratio/);
    assert.match(
      checkNormalization("short text here", `${OCR_CLEAN} ${OCR_CLEAN}`) ?? "",
      /length ratio/,
    );
  });

  it("rejects rewritten words", () => {
    const rewrite = "A swift auburn canine leaps above a sleepy hound; it is bothered by that fox.";
    assert.match(checkNormalization(OCR_RAW, rewrite) ?? "", /word overlap/);
  });

  it("rejects empty output", () => {
    assert.equal(checkNormalization("some text", "   "), "empty output");
  });

  it("measures word overlap order-insensitively", () => {
    assert.equal(wordOverlap("one two three four", "Four, three; two one."), 1);
    assert.equal(wordOverlap("alpha beta", "gamma delta"), 0);
  });
});

describe("tidyOutput", () => {
  it("removes fences, quotes and reasoning the input did not have", () => {
    assert.equal(tidyOutput("<think>x</think>\n```text\nHello.\n```", "hello"), "Hello.");
    assert.equal(tidyOutput("«Привет.»", "привет"), "Привет.");
    assert.equal(tidyOutput('"Quoted."', '"quoted"'), '"Quoted."');
  });
});

describe("chunkText", () => {
  it("packs whole paragraphs up to the budget", () => {
    const paragraphs = ["a".repeat(40), "b".repeat(40), "c".repeat(40), "d".repeat(10)];
    const chunks = chunkText(paragraphs.join("\n\n"), 90);
    assert.deepEqual(
      chunks.map((chunk) => chunk.text),
      [`${paragraphs[0]}\n\n${paragraphs[1]}`, `${paragraphs[2]}\n\n${paragraphs[3]}`],
    );
    assert.deepEqual(
      chunks.map((chunk) => chunk.glue),
      ["", "\n\n"],
    );
  });

  it("splits an over-long paragraph at sentence ends only", () => {
    const sentences = [
      "First sentence here.",
      "Second one is longer!",
      "Third?",
      "Fourth «quoted.»",
      "Last",
    ];
    const chunks = chunkText(`Intro.\n\n${sentences.join(" ")}`, 45);
    assert.equal(chunks[0]!.text, "Intro.");
    for (const chunk of chunks.slice(1)) {
      assert.ok(chunk.text.length <= 45);
      assert.ok(
        sentences.some((sentence) => chunk.text.startsWith(sentence)),
        `"${chunk.text}" should start at a sentence`,
      );
    }
    assert.ok(chunks.length >= 3);
    assert.deepEqual(
      chunks.map((chunk) => chunk.glue),
      ["", "\n\n", ...chunks.slice(2).map(() => " ")],
    );
    assert.equal(
      joinChunks(
        chunks,
        chunks.map((chunk) => chunk.text),
      ),
      `Intro.\n\n${sentences.join(" ")}`,
    );
  });

  it("cuts a sentence longer than the budget at spaces", () => {
    const chunks = chunkText("word ".repeat(30).trim(), 22);
    assert.ok(chunks.every((chunk) => chunk.text.length <= 22 && !chunk.text.startsWith(" ")));
    assert.equal(chunks.map((chunk) => chunk.text).join(" "), "word ".repeat(30).trim());
  });

  it("returns nothing for blank text", () => {
    assert.deepEqual(chunkText(" \n\n \n", 100), []);
  });
});

describe("ChatNormalizer", () => {
  it("accepts a faithful cleanup from the model", async () => {
    const { handle, calls } = cleaner(() => OCR_CLEAN);
    const normalizer = new ChatNormalizer({ model: handle, logger: silent });
    const result = await normalizer.normalizeDetailed(OCR_RAW, "ocr", "en");
    assert.deepEqual(result, { text: OCR_CLEAN, changed: true, chunks: 1 });
    assert.equal(calls.length, 1);
    const [system, user] = calls[0]!.messages;
    assert.equal(system?.role, "system");
    assert.match(system!.content, /optical character recognition/);
    assert.deepEqual(user, { role: "user", content: OCR_RAW });
    assert.equal(calls[0]!.request.settings.temperature, 0);
    assert.equal(calls[0]!.request.thinking, false);
  });

  it("uses the prompt for the kind and language", async () => {
    const { handle, calls } = cleaner((text) => text);
    const normalizer = new ChatNormalizer({ model: handle, logger: silent });
    await normalizer.normalize("привет мир", "asr", "ru-RU");
    assert.match(calls[0]!.messages[0]!.content, /расшифровку речи/);
  });

  it("makes one model call per chunk and keeps paragraphs", async () => {
    const paragraphs = Array.from(
      { length: 5 },
      (_, index) => `paragraph ${index} ${"text ".repeat(20).trim()}`,
    );
    const { handle, calls } = cleaner((text) => text.replace(/paragraph/g, "Paragraph"));
    const normalizer = new ChatNormalizer({ model: handle, logger: silent, maxChunkChars: 250 });
    const raw = paragraphs.join("\n\n");
    const expectedChunks = chunkText(raw, 250);
    assert.ok(expectedChunks.length > 1);

    const result = await normalizer.normalizeDetailed(raw, "ocr", "en");
    assert.equal(calls.length, expectedChunks.length);
    assert.equal(result.chunks, expectedChunks.length);
    assert.equal(result.text, raw.replace(/paragraph/g, "Paragraph"));
    assert.equal(result.text.split("\n\n").length, 5);
  });

  it("cleans a long text's chunks as batch jobs of its owner, a short one in the asked class", async () => {
    const model = new RecordingHandle(cleaner((text) => text).handle);
    const normalizer = new ChatNormalizer({ model, logger: silent, maxChunkChars: 30 });
    const controller = new AbortController();
    const jobs = { owner: "tg:9", signal: controller.signal };
    await normalizer.normalize("first paragraph here\n\nsecond paragraph here", "asr", "en", jobs);
    assert.deepEqual(model.scheduling(), [
      { owner: "tg:9", workClass: "batch" },
      { owner: "tg:9", workClass: "batch" },
    ]);
    assert.ok(model.runs.every(({ options }) => options.signal === controller.signal));
    await normalizer.normalize("short one", "asr", "en", jobs);
    assert.deepEqual(model.scheduling().at(-1), { owner: "tg:9", workClass: "interactive" });
  });

  it("stops between chunks when cancelled during a clean-up", async () => {
    const controller = new AbortController();
    const { handle, calls } = cleaner((text) => {
      controller.abort();
      return text;
    });
    const normalizer = new ChatNormalizer({ model: handle, logger: silent, maxChunkChars: 30 });
    await assert.rejects(
      normalizer.normalize("first paragraph here\n\nsecond paragraph here", "ocr", "en", {
        signal: controller.signal,
      }),
      (error) => isAppError(error) && error.code === "job.cancelled",
    );
    assert.equal(calls.length, 1);
  });

  it("keeps the raw text of a rejected chunk only", async () => {
    const first = `first paragraph ${"words ".repeat(15).trim()}`;
    const second = `second paragraph ${"words ".repeat(15).trim()}`;
    const { handle } = stubChat((messages) => {
      const text = messages.at(-1)!.content;
      return [text.startsWith("first") ? `First${text.slice(5)}.` : "Sure! Here you go."];
    });
    const logged: string[] = [];
    const logger = silent.child({});
    logger.warn = ((object: { reason?: string }) =>
      void logged.push(object.reason ?? "")) as typeof logger.warn;
    const normalizer = new ChatNormalizer({ model: handle, logger, maxChunkChars: 120 });
    const result = await normalizer.normalizeDetailed(`${first}\n\n${second}`, "ocr", "en");
    assert.equal(result.text, `First${first.slice(5)}.\n\n${second}`);
    assert.equal(result.changed, true);
    assert.match(result.rejected ?? "", /^chunk 2\/2: output starts like an answer/);
    assert.equal(logged.length, 1, "the rejection is logged");
  });

  it("returns the input unchanged without calling the model for blank text", async () => {
    const { handle, calls } = cleaner((text) => text);
    const normalizer: Normalizer = new ChatNormalizer({ model: handle, logger: silent });
    assert.equal(await normalizer.normalize("  \n ", "asr", "en"), "  \n ");
    assert.equal(calls.length, 0);
  });

  it("keeps the raw text when the model fails, but propagates cancellation", async () => {
    const failing = {
      id: "broken",
      run: async () => {
        throw new Error("onnx exploded");
      },
    };
    const normalizer = new ChatNormalizer({
      model: failing,
      logger: silent,
    });
    const result = await normalizer.normalizeDetailed("some raw text", "ocr", "en");
    assert.equal(result.text, "some raw text");
    assert.match(result.rejected ?? "", /model failed \(internal\)/);

    const { handle } = cleaner((text) => text);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      new ChatNormalizer({ model: handle, logger: silent }).normalize("text", "ocr", "en", {
        signal: controller.signal,
      }),
      (error) => isAppError(error) && error.code === "job.cancelled",
    );
  });
});
