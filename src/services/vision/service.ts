/**
 * The vision-language model as the bot uses it: reading a photo as Markdown, turning a chart
 * or table photo into a table, and answering questions about pictures with the conversation's
 * memory. Every image is validated and downscaled to the pixel budget first; every job has a
 * token cap and a time limit (queue wait and model load included).
 *
 * A picture question is stored like a chat turn, with a reference to the picture (its
 * Telegram file ids), never its bytes; follow-up questions in the same conversation show the
 * model the newest pictures again, downloaded anew by the caller.
 */
import type { Logger } from "pino";
import type { DialogKey, HistoryLog, ImageRef } from "../../memory/index.js";
import type {
  VisionRequest,
  VisionResult,
  VisionTurn,
} from "../../models/adapters/vision/types.js";
import type { JobEvent, ModelHandle, Scheduling } from "../../models/contract.js";
import { prepareImageForVision, type ImageIntakeOptions } from "../../media/image.js";
import { systemClock, type Clock } from "../../shared/clock.js";
import { AppError, InputError } from "../../shared/errors.js";
import { withDeadline } from "../../shared/timeout.js";
import { streamReply, type PieceStream } from "../chat/piece-stream.js";
import { visionConversation, type PictureInput } from "./conversation.js";
import { questionSystemPrompt, READ_PROMPT, TABLE_PROMPT } from "./prompts.js";
import { parseMarkdownTable, toCsv, toMarkdownTable } from "./table.js";

export interface VisionLimits {
  /** Images are downscaled to at most this many pixels (VISION_MAX_PIXELS). */
  maxPixels: number;
  /** Cap on generated tokens per answer (VISION_MAX_NEW_TOKENS). */
  maxNewTokens: number;
  /** Time limit of one job, queue and load included (VISION_TIMEOUT). */
  timeoutMs: number;
}

export interface VisionServiceOptions {
  model: ModelHandle<VisionRequest, VisionResult>;
  history: Pick<HistoryLog, "recent" | "append" | "images">;
  limits: VisionLimits;
  logger: Logger;
  /** Byte and pixel limits of incoming images (as for OCR). */
  image?: Pick<ImageIntakeOptions, "maxBytes" | "maxInputPixels">;
  clock?: Clock;
}

export interface VisionJobOptions extends Scheduling {
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
}

export interface VisionReading {
  /** Markdown. */
  text: string;
  /** The answer stopped at the token cap. */
  truncated: boolean;
  /** Tokens generated and of the prompt (image tokens included). */
  tokens: number;
  promptTokens: number;
}

/** One message of a conversation the caller holds, with its pictures (encoded images). */
export interface VisionMessage {
  role: "system" | "user" | "assistant";
  text: string;
  pictures?: readonly Uint8Array[];
}

export interface VisionTable {
  /** The table as tidy Markdown. */
  markdown: string;
  /** Header row first. */
  rows: string[][];
  /** RFC 4180 CSV. */
  csv: string;
  truncated: boolean;
}

/** A picture sent by the user: its bytes as sent, and its Telegram reference. */
export interface SentPicture extends ImageRef {
  bytes: Uint8Array;
}

export interface AskInput extends DialogKey {
  question: string;
  /** The language to answer in ("ru", "en"). */
  language: string;
  /** The pictures to show: a new one, and/or earlier ones of the conversation. */
  pictures: readonly SentPicture[];
}

export interface VisionReply {
  /** The answer piece by piece; throws what `done` rejects with. */
  pieces: AsyncIterable<string>;
  done: Promise<VisionReading>;
}

/** Pictures of a conversation shown to the model again with a follow-up question. */
export const FOLLOW_UP_IMAGES = 2;
/** Stored turns (and their characters) sent with a question. */
const HISTORY_TURNS = 12;
const HISTORY_CHARS = 6_000;

export class VisionService {
  private readonly clock: Clock;

  constructor(private readonly options: VisionServiceOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Reads a photo or scan as Markdown that keeps its lines, lists and tables. */
  async read(image: Uint8Array, options: VisionJobOptions = {}): Promise<VisionReading> {
    const png = await this.prepare(image);
    const result = await this.run("vision-read", options, {
      images: [png],
      turns: [{ role: "user", text: READ_PROMPT, images: [0] }],
    });
    return reading(result);
  }

  /**
   * Turns a chart, diagram or table photo into a table. Throws `InputError`
   * "vision.no_table" when the model's answer holds no Markdown table.
   */
  async table(image: Uint8Array, options: VisionJobOptions = {}): Promise<VisionTable> {
    const png = await this.prepare(image);
    const result = await this.run("vision-table", options, {
      images: [png],
      turns: [{ role: "user", text: TABLE_PROMPT, images: [0] }],
    });
    const rows = parseMarkdownTable(result.text);
    if (!rows) {
      this.options.logger.info({ chars: result.text.length }, "no table in the vision answer");
      throw new InputError("vision.no_table", "the picture holds no table the model could read");
    }
    return { markdown: toMarkdownTable(rows), rows, csv: toCsv(rows), truncated: result.truncated };
  }

  /** The newest pictures of the conversation, for a follow-up question (newest first). */
  conversationImages(dialog: DialogKey): ImageRef[] {
    return this.options.history.images(dialog, FOLLOW_UP_IMAGES);
  }

  /**
   * Answers a question about pictures, streamed. After a complete answer the question (with
   * a reference to a new picture) and the answer are stored in the conversation.
   */
  ask(input: AskInput, options: VisionJobOptions = {}): VisionReply {
    return streamReply(options.signal, (signal, pieces) =>
      this.answer(input, { ...options, signal }, pieces),
    );
  }

  /**
   * Answers the last user message of a conversation the caller holds (an API client): no
   * stored history is read or written. The newest {@link FOLLOW_UP_IMAGES} pictures are
   * shown, as with a follow-up question; `maxNewTokens` may lower VISION_MAX_NEW_TOKENS.
   */
  complete(
    input: { messages: readonly VisionMessage[]; maxNewTokens?: number },
    options: VisionJobOptions = {},
  ): VisionReply {
    return streamReply(options.signal, async (signal, pieces) => {
      try {
        const last = input.messages.at(-1);
        if (last?.role !== "user" || last.text.trim() === "")
          throw new InputError("input.empty", "the conversation ends without a user message");
        const shown = new Set(
          input.messages.flatMap((message) => message.pictures ?? []).slice(-FOLLOW_UP_IMAGES),
        );
        const images: Uint8Array[] = [];
        const turns: VisionTurn[] = [];
        for (const message of input.messages) {
          const indexes: number[] = [];
          for (const picture of message.pictures ?? []) {
            if (!shown.has(picture)) continue;
            images.push(await this.prepare(picture));
            indexes.push(images.length - 1);
          }
          turns.push({
            role: message.role,
            text: message.text,
            ...(indexes.length > 0 ? { images: indexes } : {}),
          });
        }
        if (turns[0]?.role !== "system")
          turns.unshift({ role: "system", text: questionSystemPrompt("") });
        const result = await this.run(
          "vision-complete",
          { ...options, signal },
          { images, turns, onText: (piece) => pieces.push(piece) },
          input.maxNewTokens,
        );
        pieces.end();
        return reading(result);
      } catch (error) {
        pieces.fail(error);
        throw error;
      }
    });
  }

  private async answer(
    input: AskInput,
    options: VisionJobOptions,
    pieces: PieceStream,
  ): Promise<VisionReading> {
    const dialog: DialogKey = { chatId: input.chatId, userId: input.userId };
    try {
      const question = input.question.trim();
      if (question === "") throw new InputError("input.empty", "the question has no text");
      const pictures: PictureInput[] = [];
      for (const picture of input.pictures.slice(0, FOLLOW_UP_IMAGES)) {
        pictures.push({ ...picture, bytes: await this.prepare(picture.bytes) });
      }
      const conversation = visionConversation({
        systemPrompt: questionSystemPrompt(input.language),
        history: this.options.history.recent(dialog, HISTORY_TURNS),
        question,
        images: pictures,
        maxTurns: HISTORY_TURNS,
        maxChars: HISTORY_CHARS,
      });
      const result = await this.run("vision-ask", options, {
        images: conversation.images,
        turns: conversation.turns,
        onText: (piece) => pieces.push(piece),
      });
      const answer = result.text.trim();
      if (answer !== "") {
        this.options.history.append(dialog, [
          {
            role: "user",
            kind: "text",
            text: question,
            ...(conversation.newImage ? { image: conversation.newImage } : {}),
          },
          { role: "assistant", kind: "text", text: answer },
        ]);
      }
      pieces.end();
      return reading(result);
    } catch (error) {
      pieces.fail(error);
      throw error;
    }
  }

  private async prepare(image: Uint8Array): Promise<Uint8Array> {
    const prepared = await prepareImageForVision(image, {
      ...this.options.image,
      maxPixels: this.options.limits.maxPixels,
    });
    return prepared.png;
  }

  /**
   * One model job under the token cap and the time limit, recorded in the usage log. It keeps
   * the class it was asked with: a picture question is interactive, a page of a long document
   * read in accurate mode comes as batch from the documents service.
   */
  private async run(
    task: string,
    options: VisionJobOptions,
    request: { images: Uint8Array[]; turns: VisionTurn[]; onText?: (piece: string) => void },
    maxNewTokens?: number,
  ): Promise<VisionResult> {
    const { model, limits, logger } = this.options;
    const result = await withDeadline(
      this.clock,
      limits.timeoutMs,
      (signal) =>
        model.run(
          {
            ...request,
            maxNewTokens: Math.min(maxNewTokens ?? limits.maxNewTokens, limits.maxNewTokens),
          },
          {
            signal,
            ...(options.onEvent ? { onEvent: options.onEvent } : {}),
            owner: options.owner,
            workClass: options.workClass,
          },
        ),
      () =>
        new AppError("vision.timeout", `no answer within ${limits.timeoutMs} ms`, {
          seconds: Math.round(limits.timeoutMs / 1000),
        }),
      options.signal,
    );
    if (result.truncated) logger.info({ task, tokens: result.generatedTokens }, "answer cut");
    return result;
  }
}

/** A job's result as a reading: the visible text, trimmed, and its token counts. */
function reading(result: VisionResult): VisionReading {
  return {
    text: result.text.trim(),
    truncated: result.truncated,
    tokens: result.generatedTokens,
    promptTokens: result.promptTokens,
  };
}
