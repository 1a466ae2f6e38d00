/**
 * A table as monospace text for a Telegram `<pre>` block: columns padded to line up, wide
 * cells cut with an ellipsis, columns and rows that don't fit left out. Pure functions.
 */

export interface MonospaceLimits {
  /** Characters of the whole table at most (a message holds 4096, with a note beside it). */
  maxChars: number;
  /** Characters of one line at most (a phone shows about 40 in a code block). */
  maxLineChars: number;
  /** Characters of one cell at most. */
  maxCellChars: number;
}

export const TELEGRAM_TABLE_LIMITS: MonospaceLimits = {
  maxChars: 3800,
  maxLineChars: 64,
  maxCellChars: 24,
};

export interface MonospaceTable {
  text: string;
  /** Something was left out or shortened: cells, columns or rows. */
  cut: boolean;
}

const SEPARATOR = " | ";

/** `rows` (header first) as aligned monospace lines within `limits`. */
export function renderMonospaceTable(
  rows: readonly (readonly string[])[],
  limits: MonospaceLimits = TELEGRAM_TABLE_LIMITS,
): MonospaceTable {
  let cut = false;
  const cells = rows.map((row) =>
    row.map((value) => {
      const flat = value.replace(/\s+/g, " ").trim();
      if (flat.length <= limits.maxCellChars) return flat;
      cut = true;
      return `${flat.slice(0, limits.maxCellChars - 1)}…`;
    }),
  );
  const columns = Math.max(0, ...cells.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(1, ...cells.map((row) => (row[column] ?? "").length)),
  );
  // Columns from the left while the line fits; at least one.
  let shown = 0;
  let lineChars = 0;
  for (const width of widths) {
    const next = lineChars + (shown > 0 ? SEPARATOR.length : 0) + width;
    if (shown > 0 && next > limits.maxLineChars) break;
    lineChars = next;
    shown++;
  }
  if (shown < columns) cut = true;
  const line = (row: readonly string[]) =>
    widths
      .slice(0, shown)
      .map((width, column) => (row[column] ?? "").padEnd(width))
      .join(SEPARATOR)
      .trimEnd();
  const [header = [], ...body] = cells;
  const lines = [
    line(header),
    widths
      .slice(0, shown)
      .map((w) => "-".repeat(w))
      .join("-+-"),
  ];
  let chars = lines.join("\n").length;
  for (const row of body) {
    const text = line(row);
    if (chars + 1 + text.length > limits.maxChars) {
      cut = true;
      break;
    }
    chars += 1 + text.length;
    lines.push(text);
  }
  return { text: lines.join("\n"), cut };
}
