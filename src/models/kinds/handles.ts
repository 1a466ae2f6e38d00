/**
 * One typed handle per kind, however the jobs are run: the manager's registration in this
 * process, or a remote queue in a cluster. Built row by row from the model-kind table.
 */
import type { Pcm } from "../../media/audio-pcm.js";
import type { ModelHandle } from "../contract.js";
import {
  KIND_TABLE,
  mapKinds,
  type Kind,
  type KindId,
  type KindInput,
  type KindOutput,
} from "./table.js";

export type KindHandles = {
  readonly [K in KindId]: ModelHandle<KindInput<K>, KindOutput<K>>;
};

/** Neural voices by language code ("ru", "en"), as the speech service takes them. */
export type Voices = Readonly<Record<string, ModelHandle<string, Pcm>>>;

/** The handle of each kind, from `make` (its input and output are the kind's, see KindIo). */
export function kindHandles(make: (row: Kind) => ModelHandle<unknown, unknown>): KindHandles {
  return mapKinds(make) as KindHandles;
}

/** The voices by language: the handle of each kind with a `voice`. */
export function voicesOf(handles: KindHandles): Voices {
  return Object.fromEntries(
    KIND_TABLE.flatMap((row) => ("voice" in row ? [[row.voice, handles[row.id]]] : [])),
  ) as Voices;
}
