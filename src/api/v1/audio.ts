/**
 * OpenAI's audio routes: `POST /v1/audio/transcriptions` (Whisper, after the voice activity
 * detector: silence is never sent to it) and `POST /v1/audio/speech` (MMS-TTS by the text's
 * script, espeak-ng as the fallback voice), with their formats and options.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { normaliseAsrLanguage } from "../../config/asr-languages.js";
import { SPEECH_FORMATS, type JobLayer, type SpeechFormat } from "../../jobs/index.js";
import type { ApiEnv } from "../env.js";
import { HttpError } from "../errors.js";
import { fileField, mediaInput } from "../uploads.js";
import { resolveModel, type OfferedModel } from "./models.js";
import { eventStream } from "./sse.js";
import { TRANSCRIPT_FORMATS, transcriptBody } from "./transcript-formats.js";

const granularities = z.union([z.string(), z.array(z.string())]).optional();

const transcriptionForm = z
  .object({
    file: fileField,
    model: z.string().min(1),
    language: z.string().optional().openapi({ description: "ISO-639-1 code; default: detect" }),
    prompt: z
      .string()
      .optional()
      .openapi({ description: "Accepted and ignored (see docs/api.md)" }),
    response_format: z.enum(TRANSCRIPT_FORMATS).default("json"),
    temperature: z.string().optional().openapi({ description: "Accepted and ignored" }),
    "timestamp_granularities[]": granularities,
    timestamp_granularities: granularities,
    stream: z.enum(["true", "false"]).optional(),
  })
  .openapi("TranscriptionRequest");

const transcriptionRoute = createRoute({
  method: "post",
  path: "/audio/transcriptions",
  summary: "Speech to text (OpenAI-compatible); `stream=true` answers with SSE events",
  security: [{ apiKey: [] }],
  request: {
    body: { required: true, content: { "multipart/form-data": { schema: transcriptionForm } } },
  },
  responses: {
    200: {
      description: "The transcript in the asked response_format",
      content: {
        "application/json": { schema: z.object({ text: z.string() }).passthrough() },
        "text/plain": { schema: z.string() },
        "text/event-stream": { schema: z.string() },
      },
    },
  },
});

/** OpenAI's voice names: all speak with the neural voice of the text's script. */
export const OPENAI_VOICES = [
  "alloy",
  "ash",
  "ballad",
  "coral",
  "echo",
  "fable",
  "nova",
  "onyx",
  "sage",
  "shimmer",
  "verse",
] as const;
/** Our own: "auto" (the neural voice of the text's script), "espeak" (espeak-ng). */
const VOICES = ["auto", "espeak", ...OPENAI_VOICES] as const;

const speechBody = z
  .object({
    model: z.string().min(1),
    input: z.string().min(1),
    voice: z.enum(VOICES),
    response_format: z.enum(SPEECH_FORMATS).default("mp3"),
    speed: z.number().min(0.25).max(4).default(1),
    instructions: z.string().optional().openapi({ description: "Accepted and ignored" }),
  })
  .openapi("SpeechRequest");

const speechRoute = createRoute({
  method: "post",
  path: "/audio/speech",
  summary: "Text to speech (OpenAI-compatible)",
  security: [{ apiKey: [] }],
  request: { body: { required: true, content: { "application/json": { schema: speechBody } } } },
  responses: {
    200: {
      description: "The audio; `pcm` is raw 16-bit little-endian mono at X-Sample-Rate Hz",
      content: Object.fromEntries(
        ["audio/mpeg", "audio/ogg", "audio/wav", "audio/flac", "audio/L16"].map((type) => [
          type,
          { schema: z.string().openapi({ format: "binary" }) },
        ]),
      ),
    },
  },
});

const CONTENT_TYPES: Record<SpeechFormat, (rate: number) => string> = {
  mp3: () => "audio/mpeg",
  opus: () => "audio/ogg; codecs=opus",
  wav: () => "audio/wav",
  flac: () => "audio/flac",
  pcm: (rate) => `audio/L16; rate=${rate}; channels=1`,
};

/** Both spellings of the field, one list. */
function granularitiesOf(form: z.infer<typeof transcriptionForm>): string[] {
  return [form["timestamp_granularities[]"], form.timestamp_granularities]
    .flat()
    .flatMap((value) => (value === undefined ? [] : [value]));
}

export function audioRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: { jobs: Pick<JobLayer, "transcribe" | "speak">; models: readonly OfferedModel[] },
): void {
  app.openapi(transcriptionRoute, async (c) => {
    const form = c.req.valid("form");
    resolveModel(deps.models, form.model, ["asr"]);
    for (const granularity of granularitiesOf(form)) {
      if (granularity === "word")
        throw new HttpError(
          400,
          "word_timestamps_unsupported",
          "word timestamps are not supported here: segments (speech windows) have times",
        );
      if (granularity !== "segment")
        throw new HttpError(400, "input.invalid", `unknown timestamp granularity '${granularity}'`);
    }
    const language = form.language ? normaliseAsrLanguage(form.language) : undefined;
    if (form.language && (!language || language === "auto") && form.language !== "auto")
      throw new HttpError(400, "input.invalid", `unknown language '${form.language}'`);
    const transcript = deps.jobs.transcribe({
      owner: c.get("caller").owner,
      signal: c.req.raw.signal,
      input: await mediaInput(form.file),
      normalize: false,
      ...(language && language !== "auto" ? { language } : {}),
    });
    if (form.stream === "true") {
      // Errors before the first byte keep their status: the transcript is awaited first.
      const done = await transcript;
      return eventStream(c, async (send) => {
        for (const segment of done.segments)
          await send({ type: "transcript.text.delta", delta: `${segment.text} ` });
        await send({ type: "transcript.text.done", text: done.text });
      }) as never;
    }
    const body = transcriptBody(await transcript, form.response_format);
    if ("json" in body) return c.json(body.json, 200);
    return c.body(body.text, 200, { "Content-Type": body.contentType }) as never;
  });

  app.openapi(speechRoute, async (c) => {
    const body = c.req.valid("json");
    resolveModel(deps.models, body.model, ["tts"]);
    const speech = await deps.jobs.speak({
      owner: c.get("caller").owner,
      signal: c.req.raw.signal,
      text: body.input,
      voice: body.voice === "espeak" ? "espeak" : "auto",
      format: body.response_format,
      speed: body.speed,
    });
    return c.body(Buffer.from(speech.audio), 200, {
      "Content-Type": CONTENT_TYPES[body.response_format](speech.sampleRate),
      "X-Sample-Rate": String(speech.sampleRate),
    }) as never;
  });
}
