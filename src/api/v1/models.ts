/**
 * The models `/v1` offers and the names a request may use for them: our own ids (as the
 * catalogue and /status know them), the kind names, and the usual OpenAI names, so a client
 * configured for OpenAI works unchanged. Which model really answers is the job layer's
 * decision (a picture goes to the vision model whatever `model` says): the name only has
 * to belong to the route's kind.
 */
import { HttpError } from "../errors.js";

export type ApiModelKind = "chat" | "vision" | "asr" | "tts" | "ocr";

/** A model this server offers. */
export interface OfferedModel {
  id: string;
  kind: ApiModelKind;
}

/** OpenAI's names, accepted for the kind of model they name there. */
export const MODEL_ALIASES: Readonly<Record<ApiModelKind, readonly string[]>> = Object.freeze({
  chat: ["gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4", "gpt-3.5-turbo"],
  vision: [],
  asr: ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"],
  tts: ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"],
  ocr: [],
});

/** The catalogue kinds behind each API kind (the voices are one "tts" kind here). */
const KIND_OF: Readonly<Record<string, ApiModelKind>> = {
  chat: "chat",
  vision: "vision",
  asr: "asr",
  "tts-ru": "tts",
  "tts-en": "tts",
};

/**
 * The offered models from a resolved profile (`profile.models`: kind -> `{modelId}`), with
 * OCR as "tesseract": what the lead passes to the `/v1` routes.
 */
export function offeredModels(
  profileModels: Readonly<Record<string, { modelId: string }>>,
): OfferedModel[] {
  const offered = Object.entries(profileModels).flatMap(([kind, entry]) => {
    const apiKind = KIND_OF[kind];
    return apiKind ? [{ id: entry.modelId, kind: apiKind }] : [];
  });
  return [...offered, { id: "tesseract", kind: "ocr" }];
}

/**
 * The model a request names, checked against the kinds the route serves. An unknown name
 * is OpenAI's 404 `model_not_found`; a known one of another kind is a 400.
 */
export function resolveModel(
  offered: readonly OfferedModel[],
  requested: string,
  kinds: readonly ApiModelKind[],
): OfferedModel {
  const name = requested.trim();
  const model =
    offered.find((entry) => entry.id === name) ??
    offered.find((entry) => entry.kind === name) ??
    offered.find((entry) => MODEL_ALIASES[entry.kind].includes(name));
  if (!model)
    throw new HttpError(
      404,
      "model_not_found",
      `the model '${name}' does not exist here; GET /v1/models lists the models`,
    );
  if (!kinds.includes(model.kind))
    throw new HttpError(
      400,
      "model_not_supported",
      `the model '${name}' is a ${model.kind} model; this route needs a ${kinds.join(" or ")} model`,
    );
  return model;
}
