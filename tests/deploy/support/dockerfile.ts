/** Reads deploy/Dockerfile*: instructions, stages and the folders made for the bot user. */
import fs from "node:fs";

export interface Instruction {
  keyword: string;
  args: string;
  /** The stage (`FROM ... AS name`) the instruction belongs to; "" before the first FROM. */
  stage: string;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
export function instructions(file: string): Instruction[] {
  const joined = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ");
  let stage = "";
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      const args = rest.join(" ");
      if (keyword.toUpperCase() === "FROM") stage = /\bAS\s+(\S+)$/i.exec(args)?.[1] ?? "";
      return { keyword: keyword.toUpperCase(), args, stage };
    });
}

/** The last stage's folders made by `install -d -o bot -g bot PATH...`: the bot user's own. */
export function botOwnedPaths(steps: Instruction[]): string[] {
  const last = steps.at(-1)?.stage;
  return steps
    .filter((s) => s.keyword === "RUN" && s.stage === last)
    .flatMap((s) => [...s.args.matchAll(/\binstall -d -o bot -g bot ((?:\/[\w./-]+\s*)+)/g)])
    .flatMap((match) => match[1]!.trim().split(/\s+/));
}
