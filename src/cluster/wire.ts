/**
 * A job's input as it crosses Redis. Requests that stream generated text (chat and vision)
 * can't cross as the service builds them: their pieces go to an `onText` callback. The bot
 * strips the callback and asks the worker to stream; the worker rebuilds a request whose
 * pieces go back as progress. Other kinds cross as they are.
 */
import { kindRow, type WireCodec } from "../models/kinds/index.js";
import type { ModelKind } from "./kinds.js";

type OnText = (piece: string) => void;

/** The request without functions (bot side), and the callback its text pieces go to. */
export function requestToWire(kind: ModelKind, input: unknown): { wire: unknown; onText?: OnText } {
  const codec = codecOf(kind);
  if (codec === "plain") return { wire: input };
  const { onText, ...wire } = input as { onText?: OnText } & Record<string, unknown>;
  return onText ? { wire, onText } : { wire };
}

/** The wire request with its text pieces sent to `onText` (worker side). */
export function requestFromWire(kind: ModelKind, wire: unknown, onText?: OnText): unknown {
  return onText && codecOf(kind) !== "plain" ? { ...(wire as object), onText } : wire;
}

/** How the kind's requests cross, as the model-kind table says. */
function codecOf(kind: ModelKind): WireCodec {
  return kindRow(kind)!.wire;
}
