/**
 * Owners as /status and metrics show them: a short sha256 prefix, so an operator can tell
 * owners apart and follow one across reports without seeing a Telegram id or a key name.
 */
import { createHash } from "node:crypto";

/** The first 8 hex characters of the owner's sha256. */
export function hashOwner(owner: string): string {
  return createHash("sha256").update(owner).digest("hex").slice(0, 8);
}
