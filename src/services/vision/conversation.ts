/**
 * What the vision model sees of a conversation about pictures: the system prompt, the newest
 * stored turns (oldest first), the images shown to it attached to the turns that brought
 * them, and the current question. Images are never stored: a turn keeps a Telegram file
 * reference, and the caller downloads the few images that are still sent along.
 */
import type { HistoryTurn, ImageRef } from "../../memory/index.js";
import type { VisionTurn } from "../../models/adapters/vision/types.js";

/** An image for the model, with the reference it is stored under. */
export interface PictureInput extends ImageRef {
  /** Encoded image, already downscaled to the pixel budget. */
  bytes: Uint8Array;
}

export interface VisionConversationInput {
  systemPrompt: string;
  /** Stored turns of the current conversation, oldest first. */
  history: readonly Pick<HistoryTurn, "role" | "text" | "image">[];
  question: string;
  /** Images to show: ones a stored turn refers to, and at most one new one for the question. */
  images: readonly PictureInput[];
  /** Stored turns sent along at most. */
  maxTurns: number;
  /** Characters of stored text sent along at most (the newest turns win). */
  maxChars: number;
}

export interface VisionConversation {
  turns: VisionTurn[];
  images: Uint8Array[];
  /** The image new to this conversation, to be stored with the question. */
  newImage?: ImageRef;
}

export function visionConversation(input: VisionConversationInput): VisionConversation {
  const kept: Pick<HistoryTurn, "role" | "text" | "image">[] = [];
  let chars = 0;
  for (let index = input.history.length - 1; index >= 0; index--) {
    const turn = input.history[index]!;
    if (kept.length >= input.maxTurns || chars + turn.text.length > input.maxChars) break;
    chars += turn.text.length;
    kept.unshift(turn);
  }
  // An answer whose question was cut off reads as the assistant speaking first.
  while (kept[0]?.role === "assistant") kept.shift();

  const images: Uint8Array[] = [];
  const used = new Set<string>();
  const attach = (uniqueId: string | undefined): number[] | undefined => {
    const picture = input.images.find((image) => image.uniqueId === uniqueId);
    if (!picture || used.has(picture.uniqueId)) return undefined;
    used.add(picture.uniqueId);
    images.push(picture.bytes);
    return [images.length - 1];
  };
  const turns: VisionTurn[] = [{ role: "system", text: input.systemPrompt }];
  // Newest first, so a picture shown twice is attached where it was last shown.
  const stored: VisionTurn[] = [];
  for (const turn of [...kept].reverse()) {
    const attached = turn.role === "user" ? attach(turn.image?.uniqueId) : undefined;
    stored.unshift({ role: turn.role, text: turn.text, ...(attached ? { images: attached } : {}) });
  }
  turns.push(...stored);
  // The rest (a new picture, or one whose turn no longer fits) goes with the question.
  const rest = input.images.filter((image) => !used.has(image.uniqueId));
  const withQuestion = rest.flatMap((image) => attach(image.uniqueId) ?? []);
  turns.push({
    role: "user",
    text: input.question,
    ...(withQuestion.length > 0 ? { images: withQuestion } : {}),
  });
  const known = new Set(input.history.map((turn) => turn.image?.uniqueId));
  const fresh = rest.find((image) => !known.has(image.uniqueId));
  return {
    turns,
    images,
    ...(fresh ? { newImage: { fileId: fresh.fileId, uniqueId: fresh.uniqueId } } : {}),
  };
}
