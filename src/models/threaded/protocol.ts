/**
 * What a threaded model and its worker thread say to each other. Requests carry an id the
 * reply repeats; a run's callbacks (a chat's or a vision answer's `onText`, Whisper's
 * `onWindow`) can't cross as functions, so the request names them and the thread sends
 * their calls back.
 */
import type { ErrorRecord } from "../../shared/errors.js";
import type { ResolvedProfile } from "../catalogue/index.js";
import type { ProfileKind, ThreadPriority } from "../kinds/table.js";
import type { LoadReport } from "../contract.js";
import type { RuntimeSettings } from "../runtime/index.js";

/** How the thread builds its model: the same factory as in-process, with the same settings. */
export interface ThreadRecipe {
  kind: ProfileKind;
  /** 0: the model the profile names; 1: its fallback; and so on down the chain. */
  depth: number;
  profile: ResolvedProfile;
  runtime: RuntimeSettings;
  /** The thread's CPU priority, the kind's. */
  priority: ThreadPriority;
  log: { level: string; format: "json" | "pretty" };
}

export type ToThread =
  | { type: "load"; id: number }
  | { type: "run"; id: number; input: unknown; callbacks: string[] }
  | { type: "cancel"; id: number }
  | { type: "unload"; id: number };

export type FromThread =
  | { type: "done"; id: number; value: LoadReport | unknown }
  | { type: "failed"; id: number; error: ErrorRecord }
  | { type: "callback"; id: number; name: string; args: unknown[] };
