/**
 * A line's waiting work as /status and metrics show it: per class, and the few owners with
 * the most work waiting. Owner ids are shown as a short keyed hash, so that an admin can
 * tell owners apart and follow one while the process runs without seeing a Telegram user id
 * or an API key's name. The key is random per process: a plain hash of a 10-digit Telegram
 * id could be reversed by trying every id. Keeping only the top few bounds metric label
 * cardinality.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { WorkClass } from "../contract.js";
import type { ClassSnapshot, FairQueueSnapshot, OwnerSnapshot } from "./fair-queue.js";

/** Hex digits kept: 32 bits, plenty to keep a handful of top owners apart. */
const HASH_LENGTH = 8;

/** Owners listed in a summary. */
export const TOP_OWNERS = 5;

const HASH_KEY = randomBytes(32);

export function hashOwner(owner: string): string {
  return createHmac("sha256", HASH_KEY).update(owner).digest("hex").slice(0, HASH_LENGTH);
}

export interface LineSummary {
  classes: Record<WorkClass, ClassSnapshot>;
  /** The owners with the most pieces waiting, most first, at most {@link TOP_OWNERS}; ids hashed. */
  topOwners: OwnerSnapshot[];
}

export function summarizeLine(snapshot: FairQueueSnapshot): LineSummary {
  return {
    classes: snapshot.classes,
    topOwners: snapshot.owners
      .slice(0, TOP_OWNERS)
      .map((owner) => ({ ...owner, owner: hashOwner(owner.owner) })),
  };
}
