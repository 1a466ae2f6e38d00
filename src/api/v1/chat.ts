/**
 * `POST /v1/chat/completions`: a stateless conversation in OpenAI's shape, plain or streamed
 * as `chat.completion.chunk` events. Text parts go to the chat model; image parts (base64
 * data URLs only: this server never fetches a URL) send the request to the vision model.
 */
import { randomUUID } from "node:crypto";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { CompletionMessage, JobLayer } from "../../jobs/index.js";
import type { ApiEnv } from "../env.js";
import { HttpError } from "../errors.js";
import { resolveModel, type OfferedModel } from "./models.js";
import { eventStream, firstOf } from "./sse.js";

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const imagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.object({
    url: z.string().openapi({ description: "data:image/png;base64,... (remote URLs are refused)" }),
    detail: z.string().optional(),
  }),
});
const message = z.object({
  role: z.enum(["system", "developer", "user", "assistant"]),
  content: z.union([z.string(), z.array(z.union([textPart, imagePart]))]).nullable(),
  name: z.string().optional(),
});

export const chatRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(message).min(1),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
  })
  .openapi("ChatCompletionRequest");

const usage = z.object({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
});

const completionSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number(),
        message: z.object({ role: z.literal("assistant"), content: z.string() }),
        finish_reason: z.enum(["stop", "length"]),
      }),
    ),
    usage,
  })
  .openapi("ChatCompletion");

const route = createRoute({
  method: "post",
  path: "/chat/completions",
  summary: "Chat completion (OpenAI-compatible), plain or streamed (SSE)",
  security: [{ apiKey: [] }],
  request: {
    body: { required: true, content: { "application/json": { schema: chatRequestSchema } } },
  },
  responses: {
    200: {
      description: "The answer; with `stream: true` an event stream of chat.completion.chunk",
      content: {
        "application/json": { schema: completionSchema },
        "text/event-stream": { schema: z.string() },
      },
    },
  },
});

/** A data URL's bytes; anything else is refused, clearly. */
function pictureBytes(url: string): Uint8Array {
  const match = /^data:image\/[\w.+-]+;base64,(.*)$/s.exec(url);
  if (match) return Buffer.from(match[1]!, "base64");
  if (/^https?:/i.test(url))
    throw new HttpError(
      400,
      "image_url_unsupported",
      "images must be sent as base64 data URLs (data:image/png;base64,...): this server does not fetch URLs",
    );
  throw new HttpError(400, "image_url_unsupported", "an image_url must be a base64 data URL");
}

/** OpenAI's messages in the job layer's terms ("developer" is a system message). */
export function completionMessages(
  messages: z.infer<typeof chatRequestSchema>["messages"],
): CompletionMessage[] {
  return messages.map(({ role, content }) => {
    const parts =
      typeof content === "string" ? [{ type: "text" as const, text: content }] : content;
    const text = (parts ?? []).flatMap((part) => (part.type === "text" ? [part.text] : []));
    const pictures = (parts ?? []).flatMap((part) =>
      part.type === "image_url" ? [pictureBytes(part.image_url.url)] : [],
    );
    return {
      role: role === "developer" ? "system" : role,
      text: text.join("\n"),
      ...(pictures.length > 0 ? { pictures } : {}),
    };
  });
}

export function chatRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: { jobs: Pick<JobLayer, "complete">; models: readonly OfferedModel[] },
): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const requested = resolveModel(deps.models, body.model, ["chat", "vision"]);
    const maxNewTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
    const reply = deps.jobs.complete({
      owner: c.get("caller").owner,
      signal: c.req.raw.signal,
      messages: completionMessages(body.messages),
      ...(maxNewTokens === undefined ? {} : { maxNewTokens }),
      ...(body.temperature == null ? {} : { temperature: body.temperature }),
    });
    const model = deps.models.find((entry) => entry.kind === reply.model)?.id ?? requested.id;
    const head = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model };
    const usageOf = (done: Awaited<typeof reply.done>) => ({
      prompt_tokens: done.promptTokens,
      completion_tokens: done.completionTokens,
      total_tokens: done.promptTokens + done.completionTokens,
    });
    const finishReason = (done: Awaited<typeof reply.done>) => (done.truncated ? "length" : "stop");

    if (!body.stream) {
      for await (const piece of reply.pieces) void piece;
      const done = await reply.done;
      return c.json(
        {
          ...head,
          object: "chat.completion" as const,
          choices: [
            {
              index: 0,
              message: { role: "assistant" as const, content: done.text },
              finish_reason: finishReason(done),
            },
          ],
          usage: usageOf(done),
        },
        200,
      );
    }
    const { first, rest } = await firstOf(reply.pieces);
    const chunk = (delta: Record<string, string>, finish: string | null = null) => ({
      ...head,
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    return eventStream(c, async (send) => {
      await send(chunk({ role: "assistant", content: "" }));
      for (let next = first; !next.done; next = await rest.next())
        await send(chunk({ content: next.value }));
      const done = await reply.done;
      await send(chunk({}, finishReason(done)));
      if (body.stream_options?.include_usage)
        await send({ ...head, object: "chat.completion.chunk", choices: [], usage: usageOf(done) });
      await send("[DONE]");
    }) as never;
  });
}
