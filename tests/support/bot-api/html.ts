/**
 * Telegram's `parse_mode: "HTML"`, reduced to what tests need: the supported tags become
 * entities over the plain text, anything else is the 400 "can't parse entities" Telegram
 * answers (a stray `<`, an unsupported tag, an unclosed or mismatched tag), so a bot's
 * plain-text fallback can be exercised. Offsets in messages are UTF-16 code units, offsets in
 * error descriptions UTF-8 bytes, as in Telegram.
 */
import type { MessageEntity } from "@grammyjs/types";
import { badRequest, type ApiError } from "./errors.js";

/** Text with its formatting as entities, what Telegram stores for a formatted message. */
export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

interface OpenTag {
  name: string;
  attributes: Map<string, string>;
  start: number;
  /** Set on a `<pre>` by a nested `<code class="language-…">`. */
  language?: string;
}

const SIMPLE_ENTITIES: Record<string, MessageEntity["type"]> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  code: "code",
  pre: "pre",
};
const SUPPORTED_TAGS = new Set([
  ...Object.keys(SIMPLE_ENTITIES),
  "a",
  "span",
  "tg-emoji",
  "blockquote",
]);
const NAMED_CHARACTERS: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/** Parses Telegram HTML; throws the 400 {@link ApiError} Telegram would answer. */
export function parseHtml(source: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  const open: OpenTag[] = [];
  const fail = (detail: string, at: number): ApiError =>
    badRequest(
      `can't parse entities: ${detail} at byte offset ${Buffer.byteLength(source.slice(0, at))}`,
    );

  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    if (char === "&") {
      const match = /^&(#\d{1,7}|#x[\da-f]{1,6}|lt|gt|amp|quot);/i.exec(source.slice(i, i + 12));
      // Telegram keeps an unknown "&name;" literally; so do we.
      text += match ? decodeCharacter(match[1]!) : "&";
      i += match ? match[0].length : 1;
      continue;
    }
    if (char !== "<") {
      text += char;
      i++;
      continue;
    }
    const end = source.indexOf(">", i);
    if (end < 0) throw fail("Unclosed start tag", i);
    const inner = source.slice(i + 1, end);
    if (inner.startsWith("/")) {
      const name = inner.slice(1).trim().toLowerCase();
      const top = open.pop();
      if (!top) throw fail(`Unexpected end tag "</${name}>"`, i);
      if (top.name !== name) {
        throw fail(`Unmatched end tag, expected "</${top.name}>", found "</${name}>"`, i);
      }
      const entity = toEntity(top, text.length, open.at(-1));
      if (entity && entity.length > 0) entities.push(entity);
    } else {
      const tag = /^([a-z][\w-]*)(.*)$/is.exec(inner);
      const name = tag?.[1]?.toLowerCase() ?? "";
      if (!SUPPORTED_TAGS.has(name)) throw fail(`Unsupported start tag "${name}"`, i);
      const attributes = parseAttributes(tag?.[2] ?? "");
      if (name === "span" && attributes.get("class") !== "tg-spoiler") {
        throw fail('Tag "span" must have class "tg-spoiler"', i);
      }
      open.push({ name, attributes, start: text.length });
    }
    i = end + 1;
  }
  const unclosed = open.pop();
  if (unclosed) {
    throw badRequest(
      `can't parse entities: Can't find end tag corresponding to start tag "${unclosed.name}"`,
    );
  }
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

function toEntity(tag: OpenTag, end: number, parent: OpenTag | undefined): MessageEntity | null {
  const span = { offset: tag.start, length: end - tag.start };
  const language = tag.attributes.get("class")?.match(/^language-(.+)$/)?.[1];
  if (tag.name === "code" && parent?.name === "pre") {
    // <pre><code class="language-x"> is one pre entity with a language, not two entities.
    if (language) parent.language = language;
    return null;
  }
  switch (tag.name) {
    case "a": {
      const url = tag.attributes.get("href");
      return url ? { type: "text_link", url, ...span } : null;
    }
    case "span":
      return { type: "spoiler", ...span };
    case "tg-emoji":
      return {
        type: "custom_emoji",
        custom_emoji_id: tag.attributes.get("emoji-id") ?? "",
        ...span,
      };
    case "blockquote":
      return {
        type: tag.attributes.has("expandable") ? "expandable_blockquote" : "blockquote",
        ...span,
      };
    case "pre":
      return tag.language
        ? { type: "pre", language: tag.language, ...span }
        : { type: "pre", ...span };
    default:
      return { type: SIMPLE_ENTITIES[tag.name], ...span } as MessageEntity;
  }
}

function parseAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const m of source.matchAll(
    /([a-z][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/gi,
  )) {
    const raw = m[2] ?? m[3] ?? m[4] ?? "";
    attributes.set(
      m[1]!.toLowerCase(),
      raw.replace(/&(lt|gt|amp|quot);/g, (_, n: string) => NAMED_CHARACTERS[n]!),
    );
  }
  return attributes;
}

function decodeCharacter(reference: string): string {
  if (!reference.startsWith("#")) return NAMED_CHARACTERS[reference.toLowerCase()]!;
  const code =
    reference[1] === "x" || reference[1] === "X"
      ? parseInt(reference.slice(2), 16)
      : parseInt(reference.slice(1), 10);
  return code <= 0x10ffff ? String.fromCodePoint(code) : "\uFFFD";
}
