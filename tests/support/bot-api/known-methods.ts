/**
 * The names of all Bot API methods, read from `@grammyjs/types` (its `ApiMethods` type lists
 * one per line). Lets the server tell a real method it does not emulate (recorded, answered
 * `true`) from a name Telegram does not know (404).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const declarations = readFileSync(
  createRequire(import.meta.url).resolve("@grammyjs/types/methods.d.ts"),
  "utf8",
);
const body = declarations.slice(declarations.indexOf("export type ApiMethods<F> = {"));

/** Lower-cased method names (Telegram matches method names case-insensitively). */
export const KNOWN_METHODS: ReadonlySet<string> = new Set(
  [...body.slice(0, body.indexOf("\n};")).matchAll(/^ {4}(\w+)\(/gm)].map((m) =>
    m[1]!.toLowerCase(),
  ),
);
