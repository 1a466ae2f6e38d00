/**
 * Who is calling: an API key sent as `Authorization: Bearer <key>` (what OpenAI clients
 * send) or `X-Api-Key: <key>`. With no key created at all the server only listens on
 * loopback (checked at start) and every caller is the anonymous local one.
 */
import type { MiddlewareHandler } from "hono";
import { apiKeyOwner } from "../jobs/index.js";
import type { ApiCaller, ApiEnv } from "./env.js";
import { HttpError } from "./errors.js";

/** What a presented secret turned out to be. */
export type KeyCheck =
  { ok: true; caller: ApiCaller } | { ok: false; reason: "unknown" | "revoked" };

/** The API keys as the server sees them; the store behind it keeps only hashes. */
export interface KeyVerifier {
  /** Looks a secret up (in constant time with respect to the stored hashes). */
  check(secret: string): KeyCheck;
  /** Whether any key exists, revoked ones included: then every request needs one. */
  hasKeys(): boolean;
}

/** The caller when no key exists: the machine's own user, on loopback. */
export const ANONYMOUS_CALLER: ApiCaller = Object.freeze({
  name: "anonymous",
  admin: true,
  owner: apiKeyOwner("anonymous"),
});

/** Sets `caller`, or refuses the request with 401 and why. */
export function authenticate(keys: KeyVerifier): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const secret = presentedSecret(c.req.header("authorization"), c.req.header("x-api-key"));
    if (secret === undefined) {
      if (keys.hasKeys())
        throw new HttpError(
          401,
          "auth.missing",
          "an API key is required: send it as 'Authorization: Bearer <key>'",
        );
      c.set("caller", ANONYMOUS_CALLER);
      return next();
    }
    const check = keys.check(secret);
    if (!check.ok)
      throw check.reason === "revoked"
        ? new HttpError(401, "auth.revoked", "this API key was revoked")
        : new HttpError(401, "auth.invalid", "this API key is not valid");
    c.set("caller", check.caller);
    return next();
  };
}

/** Refuses callers without the admin flag (reloading models, every key's usage). */
export const requireAdmin: MiddlewareHandler<ApiEnv> = async (c, next) => {
  if (!c.get("caller").admin)
    throw new HttpError(403, "auth.not_admin", "this needs an admin API key");
  return next();
};

function presentedSecret(
  authorization: string | undefined,
  apiKey: string | undefined,
): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
  const secret = bearer ?? apiKey?.trim();
  return secret ? secret : undefined;
}
