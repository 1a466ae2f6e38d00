/**
 * Small zod parsers for the shapes environment variables take: comma lists, sizes
 * ("16GiB"), durations ("5m") and booleans ("true"/"0").
 */
import { z } from "zod";
import { isKindId, KIND_IDS, type KindId } from "../models/kinds/table.js";

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A number with an optional unit ("16GiB", "5m"), scaled by the unit's factor. */
function parseQuantity(
  text: string,
  units: Record<string, number>,
  defaultUnit: string,
): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) return undefined;
  const factor = units[(match[2] || defaultUnit).toLowerCase()];
  return factor === undefined ? undefined : Math.round(Number(match[1]) * factor);
}

/** Parses "16GiB", "512 MB", "1.5gb" or a plain byte count into bytes. */
export function parseBytes(text: string): number | undefined {
  return parseQuantity(text, SIZE_UNITS, "b");
}

/** Parses "5m", "30s", "1500ms", "2h" or a plain number of seconds into milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  return parseQuantity(text, DURATION_UNITS, "s");
}

/** A zod string parsed by `parse`, with `hint` in the error when it fails. */
function quantity(parse: (text: string) => number | undefined, hint: string) {
  return z.string().transform((text, ctx) => {
    const value = parse(text);
    if (value === undefined) {
      ctx.addIssue({ code: "custom", message: `expected ${hint}, got "${text}"` });
      return z.NEVER;
    }
    return value;
  });
}

export const bytes = quantity(parseBytes, 'a size like "16GiB" or "512MB"');
export const duration = quantity(parseDurationMs, 'a duration like "5m" or "30s"');

export const boolean = z.string().transform((text, ctx) => {
  const value = text.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  ctx.addIssue({ code: "custom", message: `expected true or false, got "${text}"` });
  return z.NEVER;
});

/** "auto", or a boolean spelt any way {@link boolean} takes. */
export const autoOrBoolean = z.string().transform((text, ctx): "auto" | boolean => {
  if (text.trim().toLowerCase() === "auto") return "auto";
  const parsed = boolean.safeParse(text);
  if (parsed.success) return parsed.data;
  ctx.addIssue({ code: "custom", message: `expected auto, true or false, got "${text}"` });
  return z.NEVER;
});

/** A comma- or space-separated list of strings; empty means an empty list. */
export const list = z.string().transform((text) =>
  text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean),
);

/** A comma-separated list of Telegram ids (integers, may be negative for chats). */
export const idList = list
  .pipe(z.array(z.string().regex(/^-?\d+$/, "expected numeric Telegram ids")))
  .transform((ids) => ids.map(Number));

/** Model ids a queue limit may name (see MODELS_PRELOAD): the model-kind table's. */
export const MODEL_IDS = KIND_IDS;
export type ModelId = KindId;

/** Queue limits: `all` for every model, or per model id; a model named nowhere is sized by memory. */
export interface QueueLimits {
  all?: number;
  perModel: Partial<Record<ModelId, number>>;
}

/** Parses "auto", "200" (every model) or "chat=200,ocr=10" (others auto). */
export function parseQueueLimits(text: string): QueueLimits | string {
  const value = text.trim().toLowerCase();
  if (value === "auto") return { perModel: {} };
  if (/^\d+$/.test(value))
    return Number(value) >= 1 ? { all: Number(value), perModel: {} } : "a limit must be at least 1";
  const limits: QueueLimits = { perModel: {} };
  for (const entry of value.split(/[\s,]+/).filter(Boolean)) {
    const match = /^([a-z-]+)=(\d+)$/.exec(entry);
    if (!match)
      return `expected auto, a number or model=number pairs like chat=200,ocr=10, got "${text}"`;
    const [, id, limit] = match;
    if (!isKindId(id!)) return `unknown model "${id}" (one of ${MODEL_IDS.join(", ")})`;
    if (Number(limit) < 1) return "a limit must be at least 1";
    limits.perModel[id] = Number(limit);
  }
  return limits;
}

export const queueLimits = z.string().transform((text, ctx) => {
  const limits = parseQueueLimits(text);
  if (typeof limits === "string") {
    ctx.addIssue({ code: "custom", message: limits });
    return z.NEVER;
  }
  return limits;
});

export const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max);

export const number = (min: number, max: number) => z.coerce.number().min(min).max(max);
