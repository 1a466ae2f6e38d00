/**
 * The original service's speech routes, same paths and field names, mounted at "/" with
 * errors in FastAPI's shape: `POST /asr/transcribe` and `POST /tts/synthesize`.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { JobLayer } from "../jobs/index.js";
import { routeGroup } from "./app.js";
import { RECOGNIZED_FILE_FIELDS } from "./original/schemas.js";
import type { ApiEnv } from "./env.js";
import { fileField, mediaInput } from "./uploads.js";

export interface SpeechRouteDeps {
  jobs: Pick<JobLayer, "transcribe" | "speak">;
}

const transcribeRoute = createRoute({
  method: "post",
  path: "/asr/transcribe",
  summary: "Speech to text (the original route): text, duration and timed chunks",
  security: [{ apiKey: [] }],
  request: {
    query: z.object({ normalize: z.enum(["true", "false"]).optional() }),
    body: {
      required: true,
      content: { "multipart/form-data": { schema: z.object({ file: fileField }) } },
    },
  },
  responses: {
    200: {
      description: "The transcript",
      content: {
        "application/json": {
          schema: z
            .object({
              ...RECOGNIZED_FILE_FIELDS,
              duration: z.number(),
              num_chunks: z.number(),
              chunks: z.array(
                z.object({
                  chunk_index: z.number(),
                  start_time: z.number(),
                  end_time: z.number(),
                  text: z.string(),
                }),
              ),
            })
            .openapi("AsrTranscription"),
        },
      },
    },
  },
});

const synthesizeRoute = createRoute({
  method: "post",
  path: "/tts/synthesize",
  summary: "Text to speech as WAV (the original route)",
  security: [{ apiKey: [] }],
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: z.object({ text: z.string().min(1) }) } },
    },
  },
  responses: {
    200: {
      description: "speech.wav",
      content: { "audio/wav": { schema: z.string().openapi({ format: "binary" }) } },
    },
  },
});

/** The original speech routes' group. */
export function speechRoutes(deps: SpeechRouteDeps): OpenAPIHono<ApiEnv> {
  const app = routeGroup();
  app.openapi(transcribeRoute, async (c) => {
    const { file } = c.req.valid("form");
    const normalize = c.req.valid("query").normalize === "true";
    const transcript = await deps.jobs.transcribe({
      owner: c.get("caller").owner,
      signal: c.req.raw.signal,
      input: await mediaInput(file),
      normalize,
    });
    return c.json(
      {
        text: transcript.rawText,
        normalized_text: transcript.normalized ? transcript.text : null,
        normalized: transcript.normalized,
        status: "success" as const,
        content_type: file.type || null,
        filename: file.name || null,
        duration: transcript.durationS,
        num_chunks: transcript.segments.length,
        chunks: transcript.segments.map((segment, index) => ({
          chunk_index: index,
          start_time: segment.startS,
          end_time: segment.endS,
          text: segment.text,
        })),
      },
      200,
    );
  });

  app.openapi(synthesizeRoute, async (c) => {
    const { text } = c.req.valid("json");
    const speech = await deps.jobs.speak({
      owner: c.get("caller").owner,
      signal: c.req.raw.signal,
      text,
      voice: "auto",
      format: "wav",
    });
    return c.body(Buffer.from(speech.audio), 200, {
      "Content-Type": "audio/wav",
      "Content-Disposition": 'attachment; filename="speech.wav"',
    }) as never;
  });
  return app;
}
