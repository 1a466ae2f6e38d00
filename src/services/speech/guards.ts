/**
 * Guards against text Whisper invents: a phrase looped until the token cap, the stock
 * phrases it says over silence ("Продолжение следует...", "Thank you for watching"), and
 * windows Whisper itself rates as no speech. Pure functions; the speech service applies
 * them per window with the VAD's view of that window.
 */

/** Lower-case letters and digits only, "ё" as "е": how texts are compared. */
function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/ё/g, "е")
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * What Whisper is known to say over silence, music and noise: the credits and sign-offs of
 * the subtitled videos it learned from. Compared word by word, ignoring case and punctuation.
 */
export const KNOWN_HALLUCINATIONS: readonly string[] = Object.freeze([
  "Продолжение следует",
  "Субтитры сделал DimaTorzok",
  "Субтитры создавал DimaTorzok",
  "Субтитры делал DimaTorzok",
  "Субтитры подогнал Симон",
  "Редактор субтитров А.Синецкая Корректор А.Егорова",
  "Редактор субтитров А.Семкин Корректор А.Егорова",
  "Спасибо за просмотр",
  "Спасибо за внимание",
  "Подписывайтесь на канал",
  "Ставьте лайки и подписывайтесь на канал",
  "До новых встреч",
  "Thank you for watching",
  "Thanks for watching",
  "Thank you so much for watching",
  "Please subscribe to my channel",
  "Subtitles by the Amara.org community",
  "Thank you",
  "Bye",
  "you",
]);

const HALLUCINATION_WORDS = KNOWN_HALLUCINATIONS.map(normalizeWords);

/**
 * Whether `text` is nothing but known hallucinations (one or several, e.g.
 * "Продолжение следует... Спасибо за просмотр!"). Empty text is not.
 */
export function isKnownHallucination(text: string): boolean {
  const words = normalizeWords(text);
  if (words.length === 0) return false;
  // reachable[i]: words[0, i) splits into known phrases.
  const reachable = new Array<boolean>(words.length + 1).fill(false);
  reachable[0] = true;
  for (let i = 0; i < words.length; i++) {
    if (!reachable[i]) continue;
    for (const phrase of HALLUCINATION_WORDS) {
      if (phrase.every((word, k) => words[i + k] === word)) reachable[i + phrase.length] = true;
    }
  }
  return reachable[words.length] === true;
}

/** Longest looping phrase looked for, in words. */
const MAX_PHRASE_WORDS = 16;
/** A loop repeats its phrase at least 3 times and spans at least 8 words ("да, да, да" is speech). */
const MIN_REPEATS = 3;
const MIN_LOOP_WORDS = 8;

export interface RepetitionCheck {
  /** The text cut after the loop's first occurrence, or unchanged when there is no loop. */
  text: string;
  looped: boolean;
}

/**
 * Finds a phrase that repeats back to back until the end of the text (where Whisper stops at
 * its token cap, maybe mid-phrase) and cuts the text after its first occurrence.
 */
export function collapseRepetition(text: string): RepetitionCheck {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  const keys = tokens.map((token) => normalizeWords(token).join(""));
  const n = keys.length;
  let best: number | undefined;
  for (let k = 1; k <= MAX_PHRASE_WORDS && k * MIN_REPEATS <= n; k++) {
    // Walk back from the end while each word equals the word k places before it: the
    // periodic tail then starts at `start`.
    let start = n - k;
    while (start - 1 >= 0 && keys[start - 1] === keys[start - 1 + k]) start--;
    // A trailing partial phrase is allowed; back up to a whole-phrase boundary from the end.
    const loopWords = n - start;
    if (loopWords < Math.max(MIN_LOOP_WORDS, k * MIN_REPEATS)) continue;
    const cut = start + k;
    if (best === undefined || cut < best) best = cut;
  }
  if (best === undefined) return { text, looped: false };
  return { text: tokens.slice(0, best).join(" "), looped: true };
}

export interface SegmentEvidence {
  text: string;
  /** The VAD's mean speech probability over the window, 0..1. */
  speech: number;
  /** Whisper's probability of "no speech" for the window, where the model gives it. */
  noSpeechProb?: number;
}

export interface GuardSettings {
  /** Below this VAD speech score a window "holds little speech" and the guards apply. */
  littleSpeech: number;
  /** Whisper's no-speech probability above which a little-speech window is dropped (ASR_NO_SPEECH_THRESHOLD). */
  noSpeechThreshold: number;
}

export const DEFAULT_GUARD_SETTINGS: GuardSettings = Object.freeze({
  littleSpeech: 0.7,
  noSpeechThreshold: 0.6,
});

/** Why a window's text was dropped, or undefined when it is kept. */
export type DropReason = "no_speech" | "hallucination";

/**
 * Whether a window's text should be dropped: only windows the VAD finds little speech in
 * are judged, so a person who really says "спасибо за просмотр" is still heard.
 */
export function dropReason(
  segment: SegmentEvidence,
  settings: GuardSettings = DEFAULT_GUARD_SETTINGS,
): DropReason | undefined {
  if (segment.speech >= settings.littleSpeech) return undefined;
  if (segment.noSpeechProb !== undefined && segment.noSpeechProb > settings.noSpeechThreshold) {
    return "no_speech";
  }
  return isKnownHallucination(segment.text) ? "hallucination" : undefined;
}
