/** The real Silero VAD of the catalogue behind a handle, loaded once per test file. */
import pino from "pino";
import { SileroVad, type VadInput, type VadResult } from "../../src/models/adapters/vad-silero.js";
import { PROFILES } from "../../src/models/catalogue/profiles.js";
import { DirectHandle } from "../support/model-handle.js";

let shared: DirectHandle<VadInput, VadResult> | undefined;

export function sileroVad(): DirectHandle<VadInput, VadResult> {
  shared ??= new DirectHandle(
    new SileroVad({ spec: PROFILES.fixture.vad, logger: pino({ level: "silent" }) }),
  );
  return shared;
}

/** What a stand-in VAD hands on between pieces: it keeps no state. */
export const NO_CARRY = { state: new Float32Array(256), context: new Float32Array(64) };
