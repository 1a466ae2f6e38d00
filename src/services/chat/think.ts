/**
 * Reasoning blocks (`<think>…</think>`, as Qwen3 writes them) are the model's scratchpad, not
 * the answer: users never see them and history never stores them. The filter works on a
 * stream, where a tag may arrive split across pieces: text that could still become a tag is
 * held back until the next piece decides it.
 */
const OPEN = "<think>";
const CLOSE = "</think>";

export class ThinkFilter {
  private inside = false;
  private held = "";
  private visibleStarted = false;

  /** Takes the next raw piece; returns the part of it users may see now (possibly ""). */
  push(piece: string): string {
    let rest = this.held + piece;
    this.held = "";
    let visible = "";
    for (;;) {
      const tag = this.nextTag(rest);
      if (tag) {
        if (!this.inside) visible += rest.slice(0, tag.at);
        rest = rest.slice(tag.at + tag.text.length);
        // A stray closing tag outside a block (some templates open the block in the prompt
        // where we can't see it) is dropped; it can't retract text already shown.
        this.inside = tag.text === OPEN;
        continue;
      }
      const keep = partialTagLength(rest, this.inside ? [CLOSE] : [OPEN, CLOSE]);
      if (!this.inside) visible += rest.slice(0, rest.length - keep);
      this.held = rest.slice(rest.length - keep);
      return this.present(visible);
    }
  }

  /** Ends the stream: an unterminated block is dropped, held text that is no tag is released. */
  end(): string {
    const rest = this.inside ? "" : this.held;
    this.held = "";
    this.inside = false;
    return this.present(rest);
  }

  private nextTag(text: string): { at: number; text: string } | undefined {
    const close = text.indexOf(CLOSE);
    if (this.inside) return close >= 0 ? { at: close, text: CLOSE } : undefined;
    const open = text.indexOf(OPEN);
    if (open >= 0 && (close < 0 || open < close)) return { at: open, text: OPEN };
    return close >= 0 ? { at: close, text: CLOSE } : undefined;
  }

  /** Whitespace before the first visible character (the gap after a think block) is dropped. */
  private present(text: string): string {
    if (this.visibleStarted) return text;
    const trimmed = text.trimStart();
    if (trimmed !== "") this.visibleStarted = true;
    return trimmed;
  }
}

/** The visible part of a whole model output. */
export function stripThink(text: string): string {
  const filter = new ThinkFilter();
  return (filter.push(text) + filter.end()).trimEnd();
}

/** Length of the longest end of `text` that is the start of one of `tags` (a tag in the making). */
function partialTagLength(text: string, tags: readonly string[]): number {
  let longest = 0;
  for (const tag of tags) {
    for (let length = Math.min(tag.length - 1, text.length); length > longest; length--) {
      if (text.endsWith(tag.slice(0, length))) {
        longest = length;
        break;
      }
    }
  }
  return longest;
}
