/**
 * The decisions every front-end shares, made once: which model answers (the chat model, or
 * the vision model when pictures are in context), what joins the conversation, what is kept
 * as a result for later actions, what goes in the usage log, and whose work each model job
 * is (owner and class, for the fair lines of the models). A front-end reads its requests,
 * downloads files and shows progress; it decides none of this.
 */
import type { Logger } from "pino";
import type { NewResult } from "../memory/index.js";
import type { Scheduling } from "../models/contract.js";
import type { DocumentResult, RecognizeOptions } from "../services/documents/index.js";
import { detectLanguage } from "../services/documents/text.js";
import type { Clock } from "../shared/clock.js";
import { InputError } from "../shared/errors.js";
import type { ConversationOwner, Owner } from "./owner.js";
import { DEFAULT_PICTURE_CACHE, PictureCache } from "./picture-cache.js";
import {
  picturesInContext,
  type Picture,
  type PictureFetcher,
  type PictureRef,
} from "./pictures.js";
import { minutesProgress, stepProgress, toProgress, type ProgressListener } from "./progress.js";
import type { IndexSource } from "../services/qa/types.js";
import { checkQuestion, DocumentQuestions, type DocumentAnswer } from "./documents.js";
import type { JobServices, JobStores } from "./services.js";
import type {
  AnswerReply,
  CompletionMessage,
  CompletionReply,
  MediaInput,
  PictureTable,
  ReadingMode,
  RecognizedDocument,
  Completion,
  Speech,
  SpeechFormat,
  Transcript,
  TurnKind,
} from "./types.js";
import {
  answerTokens,
  audioHeard,
  nothingCounted,
  onePage,
  pagesRead,
  UsageRecorder,
} from "./usage.js";

/** Who asks, how to stop it, and where its progress goes: common to every request. */
export interface JobRequest {
  owner: Owner;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

/** Answers at least this long are kept as results (for the buttons under them). */
export const LONG_ANSWER_CHARS = 500;

/**
 * Who answers a question: the chat model, the vision model with the pictures it sees, or the
 * conversation's document (its passages; see {@link JobLayer.ask}).
 */
export type AnswerPlan =
  | { route: "chat" }
  | { route: "vision"; pictures: Picture[] }
  | { route: "document"; resultId: number };

export interface AnswerRequest extends JobRequest {
  owner: ConversationOwner;
  text: string;
  kind: TurnKind;
  /** The person's language: a picture answer's when the question is neither Russian nor English. */
  language: string;
  plan: AnswerPlan;
}

/** A conversation the caller holds (an API client): nothing is stored, no history is read. */
export interface CompletionRequest extends JobRequest {
  /** The last one is the user's message to answer; a picture in any sends it to the vision model. */
  messages: readonly CompletionMessage[];
  /** A lower cap than the model's (CHAT_MAX_NEW_TOKENS / VISION_MAX_NEW_TOKENS); never higher. */
  maxNewTokens?: number;
  /** The chat model's sampling temperature (0: greedy); the vision model decodes greedily. */
  temperature?: number;
}

/** A question about a stored result, or about the conversation's document. */
export interface AskRequest extends JobRequest {
  question: string;
  /** The result asked about; without it, the conversation's document. It becomes that document. */
  resultId?: number;
  /** The person's language: the answer's when the question is neither Russian nor English. */
  language: string;
}

export interface JobLayerOptions {
  services: JobServices;
  stores: JobStores;
  clock: Clock;
  logger: Logger;
  /** The chat model's context budget in tokens (CHAT_HISTORY_TOKENS): a document within it goes whole. */
  contextTokens?: number;
}

/** {@link JobLayerOptions.contextTokens} when none is given. */
const DEFAULT_CONTEXT_TOKENS = 2048;

export class JobLayer {
  private readonly services: JobServices;
  private readonly stores: JobStores;
  private readonly usage: UsageRecorder;
  private readonly logger: Logger;
  private readonly documents: DocumentQuestions;
  private readonly pictures: PictureCache;

  constructor(options: JobLayerOptions) {
    this.services = options.services;
    this.stores = options.stores;
    this.usage = new UsageRecorder(options.clock, (event) => options.stores.usage.record(event));
    this.logger = options.logger;
    this.pictures = new PictureCache({ ...DEFAULT_PICTURE_CACHE, clock: options.clock });
    this.documents = new DocumentQuestions(
      options.services,
      this.usage,
      options.logger,
      options.contextTokens ?? DEFAULT_CONTEXT_TOKENS,
    );
  }

  /**
   * Decides who answers the owner's next question: the vision model when a picture comes with
   * it or the conversation still holds one it can fetch, the chat model otherwise.
   */
  async plan(
    owner: ConversationOwner,
    sent: PictureRef | undefined,
    fetch: PictureFetcher,
  ): Promise<AnswerPlan> {
    // A picture shown now ends the document context; without one, a chosen document goes
    // before the pictures still in the conversation (it was chosen after them).
    if (sent) this.documents.clear(owner.dialog);
    else {
      const resultId = this.documents.currentOf(owner.dialog);
      if (resultId !== undefined) return { route: "document", resultId };
    }
    const pictures = await picturesInContext(
      sent,
      this.services.vision.conversationImages(owner.dialog),
      this.pictures.through(fetch),
      (ref, error) =>
        this.logger.warn(
          { err: error, uniqueId: ref.uniqueId },
          "an earlier picture could not be fetched",
        ),
    );
    return pictures.length > 0 ? { route: "vision", pictures } : { route: "chat" };
  }

  /** Starts the answer the plan chose, streamed; the service keeps the turn in the conversation. */
  answer(request: AnswerRequest): AnswerReply {
    const { owner, plan } = request;
    // A question about a document has sources and a guard: the front-end calls ask() for it.
    if (plan.route === "document") throw new Error("a document question goes to ask()");
    const options = { ...this.jobOptions(request), onEvent: this.events(request.onProgress) };
    // `done` is passed on as the service made it: it already carries a rejection handler,
    // where a derived promise would float and turn every failed answer into an unhandled one.
    const reply = this.usage.stream(plan.route, owner, answerTokens, () =>
      plan.route === "vision"
        ? this.services.vision.ask(
            {
              ...owner.dialog,
              question: request.text,
              language: answerLanguage(request.text, request.language),
              pictures: plan.pictures,
            },
            options,
          )
        : this.services.chat.reply(
            { ...owner.dialog, text: request.text, kind: request.kind },
            options,
          ),
    );
    return { pieces: reply.pieces, done: reply.done };
  }

  /**
   * Answers a conversation the caller sends whole, streamed: the vision model when a message
   * carries a picture, the chat model otherwise (the same generation path, context fitting
   * and reasoning filter as {@link answer}), stateless.
   */
  complete(request: CompletionRequest): CompletionReply {
    const { messages, maxNewTokens } = request;
    const vision = messages.some((message) => (message.pictures?.length ?? 0) > 0);
    const options = { ...this.jobOptions(request), onEvent: this.events(request.onProgress) };
    const limit = maxNewTokens === undefined ? {} : { maxNewTokens };
    if (vision) {
      const reply = this.usage.stream("vision", request.owner, answerTokens, () =>
        this.services.vision.complete(
          {
            messages: messages.map(({ role, text, pictures }) => ({
              role,
              text,
              ...(pictures ? { pictures } : {}),
            })),
            ...limit,
          },
          options,
        ),
      );
      return { model: "vision", pieces: reply.pieces, done: handled(reply.done.then(completion)) };
    }
    const reply = this.usage.stream("chat", request.owner, answerTokens, () =>
      this.services.chat.complete(
        {
          messages: messages.map(({ role, text }) => ({ role, content: text })),
          ...limit,
          ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        },
        options,
      ),
    );
    return { model: "chat", pieces: reply.pieces, done: handled(reply.done.then(completion)) };
  }

  /** Keeps a long answer as a result; its id, or none for a short one. */
  keepAnswer(owner: ConversationOwner, text: string): number | undefined {
    if (text.length < LONG_ANSWER_CHARS) return undefined;
    return this.keep(owner, { kind: "answer", language: detectLanguage(text), text });
  }

  /** Starts a new conversation: earlier turns are kept but no longer sent, the document is let go. */
  reset(owner: ConversationOwner): void {
    this.services.chat.reset(owner.dialog);
    this.documents.clear(owner.dialog);
  }

  /**
   * Answers a question about a stored result (or the conversation's document) from its
   * passages, with sources; that result becomes the conversation's document, for follow-ups.
   * Any member of the chat the result was posted in may ask about it, in their own thread.
   * Without a document: "document.none"; a result pruned or forgotten: "document.gone".
   */
  async ask(request: AskRequest): Promise<DocumentAnswer> {
    const { owner } = request;
    const resultId =
      request.resultId ?? (owner.dialog ? this.documents.currentOf(owner.dialog) : undefined);
    if (resultId === undefined)
      throw new InputError("document.none", "no document chosen to ask about");
    const result = this.stores.results.get(resultId);
    if (!result || (owner.dialog && result.chatId !== owner.dialog.chatId)) {
      if (owner.dialog && request.resultId === undefined) this.documents.clear(owner.dialog);
      throw new InputError("document.gone", `result ${resultId} is no longer stored`);
    }
    if (owner.dialog) this.documents.choose(owner.dialog, resultId);
    return this.documents.ask({
      owner,
      result,
      question: request.question,
      language: request.language,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    });
  }

  /**
   * Answers a question about a text or a picture/PDF sent with it, with sources (an API
   * caller: nothing is stored, the passages live for this question only). A file is read
   * first (fast or accurate, as {@link recognize}), keeping its pages for the sources.
   */
  async askAbout(
    request: JobRequest & {
      document: { text: string } | { input: MediaInput; kind: "image" | "pdf"; mode: ReadingMode };
      question: string;
      language: string;
    },
  ): Promise<Omit<DocumentAnswer, "resultId">> {
    const { owner, document } = request;
    // Before the file is read: a question that can't be asked shouldn't cost an OCR run.
    checkQuestion(request.question);
    let source: IndexSource;
    if ("text" in document) source = { text: document.text };
    else {
      const read = await this.usage.run(
        "ocr",
        owner,
        (result) => ({ pages: result.pages.length }),
        () =>
          this.readDocument(request, document, {
            normalize: false,
            mode: document.mode,
            onJobEvent: this.events(request.onProgress),
          }),
      );
      source = passagesSource(document.kind, read);
    }
    if (!source.text.trim()) throw new InputError("input.empty", "the document has no text");
    return this.documents.askOnce({
      owner,
      source,
      question: request.question,
      language: request.language,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    });
  }

  /**
   * Makes a stored result the conversation's document without a question yet (💬 Ask);
   * "document.gone" when it is no longer stored.
   */
  chooseDocument(owner: ConversationOwner, resultId: number): void {
    const result = this.stores.results.get(resultId);
    if (!result || result.chatId !== owner.dialog.chatId)
      throw new InputError("document.gone", `result ${resultId} is no longer stored`);
    this.documents.choose(owner.dialog, resultId);
  }

  /** Reads a picture (every page of a multi-page TIFF) or a PDF with the document service. */
  private readDocument(
    request: JobRequest,
    document: { input: MediaInput; kind: "image" | "pdf" },
    options: Pick<RecognizeOptions, "normalize" | "mode" | "onJobEvent" | "onProgress">,
  ): Promise<DocumentResult> {
    const documents = this.services.documents;
    const run = document.kind === "pdf" ? documents.recognizePdf : documents.recognizeImage;
    return run.call(documents, document.input.bytes, { ...this.jobOptions(request), ...options });
  }

  /**
   * Reads the text of a picture (every page of a multi-page TIFF) or a PDF and keeps it as a result (a picture's `sourceFileId`
   * lets it be read again as a table). In a one-to-one conversation the text joins it.
   */
  recognize(
    request: JobRequest & {
      input: MediaInput;
      kind: "image" | "pdf";
      normalize: boolean;
      mode: ReadingMode;
      sourceFileId?: string;
    },
  ): Promise<RecognizedDocument> {
    const { owner, onProgress } = request;
    return this.usage.run("ocr", owner, pagesRead, async () => {
      const progress = stepProgress(onProgress);
      const result = await this.readDocument(request, request, {
        normalize: request.normalize,
        mode: request.mode,
        onJobEvent: progress.onJobEvent,
        // Page progress matters for documents of several pages only.
        onProgress: (current) => {
          if (current.pages > 1)
            progress.step({ type: "page", page: current.page, pages: current.pages });
        },
      });
      const text = result.text;
      if (owner.dialog) this.documents.clear(owner.dialog);
      const resultId = this.keepIfAny(owner, {
        kind: "ocr",
        language: result.language,
        text,
        ...(request.sourceFileId === undefined ? {} : { sourceFileId: request.sourceFileId }),
      });
      if (resultId !== undefined && owner.private)
        this.stores.history.append(owner.dialog!, [{ role: "user", kind: "ocr", text }]);
      if (resultId !== undefined)
        this.documents.indexInBackground(resultId, passagesSource(request.kind, result), owner);
      const rawText = result.pages
        .map((page) => page.rawText ?? page.text)
        .filter((pageText) => pageText.length > 0)
        .join("\n\n");
      return {
        text,
        ...(result.normalized ? { rawText } : {}),
        language: result.language,
        pages: result.pages.length,
        skippedPages: result.skippedPages,
        ...(result.unreadablePages.length > 0 ? { unreadablePages: result.unreadablePages } : {}),
        fallback: result.fallback,
        ...(resultId === undefined ? {} : { resultId }),
      };
    });
  }

  /** Transcribes a recording and keeps the transcript (with its timed segments) as a result. */
  transcribe(
    request: JobRequest & { input: MediaInput; normalize: boolean; language?: string },
  ): Promise<Transcript> {
    const { owner, onProgress, input } = request;
    return this.usage.run("asr", owner, audioHeard, async () => {
      // Each speech window is its own job: its "running" keeps "minute 2 of 5" on show.
      const progress = stepProgress(onProgress);
      const result = await this.services.speech.transcribe(input.bytes, {
        ...this.jobOptions(request),
        fileName: input.fileName,
        mimeType: input.mimeType,
        normalize: request.normalize,
        ...(request.language ? { language: request.language } : {}),
        onEvent: progress.onJobEvent,
        onHeard: (heardS, totalS) => {
          // Minutes matter for recordings of several minutes only.
          if (totalS >= 120) progress.step(minutesProgress(heardS, totalS));
        },
      });
      const segments = result.segments.map(({ startS, endS, text }) => ({ startS, endS, text }));
      if (owner.dialog) this.documents.clear(owner.dialog);
      const resultId = this.keepIfAny(owner, {
        kind: "transcript",
        language: result.language,
        text: result.text,
        segments,
      });
      if (resultId !== undefined)
        this.documents.indexInBackground(resultId, { text: result.text, segments }, owner);
      return {
        text: result.text,
        rawText: result.rawText,
        normalized: result.normalized,
        language: result.language,
        durationS: result.durationS,
        segments,
        ...(resultId === undefined ? {} : { resultId }),
      };
    });
  }

  /**
   * `text` spoken (`lang`: the text's language, when known) in the chosen voice, as OGG/Opus
   * (a Telegram voice message) unless another `format` is asked for.
   */
  speak(
    request: JobRequest & {
      text: string;
      voice: "auto" | "espeak";
      lang?: string;
      format?: SpeechFormat;
      /** 0.25 to 4. */
      speed?: number;
    },
  ): Promise<Speech> {
    return this.usage.run("tts", request.owner, nothingCounted, async () => {
      const result = await this.services.speech.synthesize(request.text, {
        ...this.jobOptions(request),
        lang: request.lang,
        engine: request.voice,
        ...(request.format ? { format: request.format } : {}),
        ...(request.speed ? { speed: request.speed } : {}),
        onEvent: this.events(request.onProgress),
      });
      return { audio: result.audio, sampleRate: result.sampleRate, durationS: result.durationS };
    });
  }

  /** A short summary of `text`, written in `lang` (the text's language). */
  summarize(request: JobRequest & { text: string; lang: string }): Promise<string> {
    return this.usage.run("summary", request.owner, nothingCounted, () =>
      this.services.tasks.summarize(request.text, request.lang, this.taskOptions(request)),
    );
  }

  /** `text` translated into `to` ("ru", "en"). */
  translate(request: JobRequest & { text: string; to: string }): Promise<string> {
    return this.usage.run("translate", request.owner, nothingCounted, () =>
      this.services.tasks.translate(request.text, request.to, this.taskOptions(request)),
    );
  }

  /** A chart, diagram or table photo as a table; "vision.no_table" when there is none. */
  table(request: JobRequest & { input: MediaInput }): Promise<PictureTable> {
    return this.usage.run("vision", request.owner, onePage, async () => {
      const table = await this.services.vision.table(
        request.input.bytes,
        this.taskOptions(request),
      );
      return { rows: table.rows, markdown: table.markdown, csv: table.csv };
    });
  }

  /**
   * Whose work each model job is, and its class. Everything a person asks for is interactive;
   * the services run the pieces of a job cut into several (pages, windows) as batch.
   */
  private jobOptions(request: JobRequest): Scheduling & { signal?: AbortSignal } {
    return {
      owner: request.owner.id,
      workClass: "interactive",
      ...(request.signal ? { signal: request.signal } : {}),
    };
  }

  private taskOptions(request: JobRequest) {
    return { ...this.jobOptions(request), onEvent: this.events(request.onProgress) };
  }

  private events(onProgress: ProgressListener | undefined) {
    return (event: Parameters<typeof toProgress>[0]) => onProgress?.(toProgress(event));
  }

  /** Keeps a result with text in it for an owner with a conversation; its id, if kept. */
  private keepIfAny(
    owner: Owner,
    result: Omit<NewResult, "chatId" | "userId">,
  ): number | undefined {
    return result.text.trim() ? this.keep(owner, result) : undefined;
  }

  private keep(owner: Owner, result: Omit<NewResult, "chatId" | "userId">): number | undefined {
    return owner.dialog ? this.stores.results.save({ ...owner.dialog, ...result }) : undefined;
  }
}

/**
 * `done` as callers get it: with a rejection handler, since a caller that stops at a failed
 * `pieces` leaves it unawaited (see {@link AnswerReply.done}).
 */
function handled<T>(done: Promise<T>): Promise<T> {
  done.catch(() => undefined);
  return done;
}

/** A finished chat or vision answer in the terms of a completion. */
function completion(outcome: {
  text: string;
  truncated: boolean;
  tokens: number;
  promptTokens: number;
}): Completion {
  return {
    text: outcome.text,
    truncated: outcome.truncated,
    promptTokens: outcome.promptTokens,
    completionTokens: outcome.tokens,
  };
}

/** The language of a picture answer: the question's when it is Russian or English, else the person's. */
function answerLanguage(question: string, fallback: string): string {
  const language = detectLanguage(question);
  return language === "ru" || language === "en" ? language : fallback;
}

/**
 * What a read document is cut into for questions: its pages, to cite them ("p. 9"), for a
 * PDF and for a picture of several pages (a multi-page TIFF); a single picture is one page,
 * with nothing to cite.
 */
function passagesSource(kind: "image" | "pdf", read: DocumentResult): IndexSource {
  const cited = kind === "pdf" || read.pages.length > 1;
  return {
    text: read.text,
    ...(cited ? { pages: read.pages.map(({ page, text }) => ({ page, text })) } : {}),
  };
}
