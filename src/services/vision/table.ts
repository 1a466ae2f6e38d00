/**
 * Markdown tables as the vision model writes them, turned into rows and CSV. Pure functions.
 */

/**
 * The first Markdown table in `text` as rows of cells (the header row first, the separator
 * row left out), or undefined when there is none: a table is a header row, a separator row
 * of dashes (`|---|:--:|`) and at least one data row, each with two or more cells.
 * Short rows are padded with empty cells and long ones cut to the header's width.
 */
export function parseMarkdownTable(text: string): string[][] | undefined {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  for (let index = 0; index + 2 < lines.length; index++) {
    const header = splitRow(lines[index]!);
    if (!header || header.length < 2 || !isSeparator(lines[index + 1]!)) continue;
    const rows: string[][] = [header];
    for (const line of lines.slice(index + 2)) {
      const cells = splitRow(line);
      if (!cells) break;
      rows.push(header.map((_, column) => cells[column] ?? ""));
    }
    if (rows.length >= 2) return rows;
  }
  return undefined;
}

/** `| a | b |` or `a | b` → ["a", "b"]; undefined for a line that is not a table row. */
function splitRow(line: string): string[] | undefined {
  if (!line.includes("|")) return undefined;
  let body = line;
  if (body.startsWith("|")) body = body.slice(1);
  if (body.endsWith("|") && !body.endsWith("\\|")) body = body.slice(0, -1);
  // A pipe escaped as \| belongs to the cell.
  const cells = body.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
  return cells;
}

function isSeparator(line: string): boolean {
  const cells = splitRow(line);
  return cells !== undefined && cells.every((cell) => /^:?-{1,}:?$/.test(cell));
}

/** Rows as CSV (RFC 4180): comma-separated, CRLF line ends, quoted where needed. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  const field = (value: string) =>
    /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  return rows.map((row) => row.map(field).join(",")).join("\r\n") + "\r\n";
}

/** Rows as a tidy Markdown table (what the .md file holds). */
export function toMarkdownTable(rows: readonly (readonly string[])[]): string {
  const [header = [], ...body] = rows;
  const cell = (value: string) => value.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...body.map(line)].join("\n") + "\n";
}
