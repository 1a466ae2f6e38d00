/** Telegram's limit for one message's text. */
export const MESSAGE_LIMIT = 4096;

/**
 * Splits text into pieces of at most `limit` characters, preferring paragraph breaks,
 * then line breaks, then sentence ends, then spaces; never inside a code fence when a
 * better cut exists.
 */
export function splitText(text: string, limit = MESSAGE_LIMIT - 96): string[] {
  const pieces: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const cut = findCut(rest, limit);
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) pieces.push(rest);
  return pieces;
}

function findCut(text: string, limit: number): number {
  const window = text.slice(0, limit);
  const minimum = Math.floor(limit / 3);
  for (const separator of [/\n\s*\n(?![^`]*```)/g, /\n/g, /[.!?…](?=\s)/g, /\s/g]) {
    let best = -1;
    for (const match of window.matchAll(separator)) {
      const end = (match.index ?? 0) + match[0].length;
      if (end >= minimum && end <= limit) best = end;
    }
    if (best > 0) return best;
  }
  return limit;
}
