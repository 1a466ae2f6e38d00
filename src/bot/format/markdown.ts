/**
 * Converts the Markdown that language models write into the small HTML subset Telegram
 * accepts (b, i, s, code, pre, a, blockquote). Anything else becomes escaped text, so
 * the result always parses; headings turn bold, lists get bullets, tables become <pre>.
 */
import { Lexer, type Token, type Tokens } from "marked";

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function markdownToTelegramHtml(markdown: string): string {
  const tokens = new Lexer({ gfm: true, breaks: false }).lex(markdown);
  return renderBlocks(tokens).trim();
}

function renderBlocks(tokens: Token[]): string {
  return tokens
    .map(renderBlock)
    .filter((block) => block !== "")
    .join("\n\n");
}

function renderBlock(token: Token): string {
  switch (token.type) {
    case "paragraph":
    case "heading": {
      const inner = renderInline((token as Tokens.Paragraph).tokens);
      return token.type === "heading" ? `<b>${inner}</b>` : inner;
    }
    case "code": {
      const { text, lang } = token as Tokens.Code;
      const language = lang?.match(/^[\w+-]+/)?.[0];
      const code = escapeHtml(text);
      return language
        ? `<pre><code class="language-${language}">${code}</code></pre>`
        : `<pre>${code}</pre>`;
    }
    case "blockquote":
      return `<blockquote>${renderBlocks((token as Tokens.Blockquote).tokens)}</blockquote>`;
    case "list":
      return renderList(token as Tokens.List);
    case "table":
      return renderTable(token as Tokens.Table);
    case "hr":
      return "———";
    case "text": {
      const text = token as Tokens.Text;
      return text.tokens ? renderInline(text.tokens) : escapeHtml(text.text);
    }
    case "space":
    case "def":
      return "";
    default:
      return escapeHtml((token as { raw?: string }).raw ?? "");
  }
}

function renderList(list: Tokens.List): string {
  const start = typeof list.start === "number" ? list.start : 1;
  return list.items
    .map((item, index) => {
      const marker = list.ordered ? `${start + index}.` : "•";
      const check = item.task ? (item.checked ? "☑ " : "☐ ") : "";
      const body = item.tokens.map(renderBlock).filter(Boolean).join("\n").replace(/\n/g, "\n   ");
      return `${marker} ${check}${body}`;
    })
    .join("\n");
}

function renderTable(table: Tokens.Table): string {
  const rows = [table.header, ...table.rows].map((cells) =>
    cells.map((cell) => cell.text.trim()).join(" | "),
  );
  return `<pre>${escapeHtml(rows.join("\n"))}</pre>`;
}

const SAFE_LINK = /^(https?:|tg:|mailto:)/i;

function renderInline(tokens: Token[] | undefined): string {
  if (!tokens) return "";
  return tokens.map(renderInlineToken).join("");
}

function renderInlineToken(token: Token): string {
  switch (token.type) {
    case "strong":
      return `<b>${renderInline((token as Tokens.Strong).tokens)}</b>`;
    case "em":
      return `<i>${renderInline((token as Tokens.Em).tokens)}</i>`;
    case "del":
      return `<s>${renderInline((token as Tokens.Del).tokens)}</s>`;
    case "codespan":
      return `<code>${escapeHtml(decodeEntities((token as Tokens.Codespan).text))}</code>`;
    case "br":
      return "\n";
    case "link": {
      const link = token as Tokens.Link;
      const label = renderInline(link.tokens);
      return SAFE_LINK.test(link.href)
        ? `<a href="${escapeHtml(link.href).replace(/"/g, "&quot;")}">${label}</a>`
        : label;
    }
    case "image":
      return escapeHtml((token as Tokens.Image).text);
    case "text": {
      const text = token as Tokens.Text;
      return text.tokens ? renderInline(text.tokens) : escapeHtml(decodeEntities(text.text));
    }
    case "escape":
      return escapeHtml(decodeEntities((token as Tokens.Escape).text));
    default:
      return escapeHtml((token as { raw?: string }).raw ?? "");
  }
}

/** marked pre-escapes some characters in inline text; undo it before our own escaping. */
function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}
