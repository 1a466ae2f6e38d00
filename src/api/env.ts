/**
 * What every route of the HTTP API can rely on: the caller, known by its API key (or the
 * anonymous local caller when the server runs without keys on loopback).
 */
import type { Owner } from "../jobs/index.js";

export interface ApiCaller {
  /** The key's name ("anonymous" without keys); never the secret. */
  name: string;
  /** May reload models and read every key's usage. */
  admin: boolean;
  /** Whose work the request is, for the fair lines of the models. */
  owner: Owner;
}

/** Hono's environment for the API's routes: `c.get("caller")` after authentication. */
export interface ApiEnv {
  Variables: { caller: ApiCaller };
}
