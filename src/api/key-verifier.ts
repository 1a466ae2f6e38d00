/**
 * The API's key check over the key store: a presented secret is hashed and compared with
 * every stored hash (see {@link ApiKeyStore.find}); the caller is the key's owner.
 */
import { apiKeyOwner } from "../jobs/index.js";
import type { ApiKeyStore } from "../memory/index.js";
import type { KeyVerifier } from "./auth.js";

export function storeKeyVerifier(keys: Pick<ApiKeyStore, "find" | "hasAny">): KeyVerifier {
  return {
    check(secret) {
      const key = keys.find(secret);
      if (!key) return { ok: false, reason: "unknown" };
      if (key.revokedAt !== null) return { ok: false, reason: "revoked" };
      return {
        ok: true,
        caller: { name: key.name, admin: key.admin, owner: apiKeyOwner(key.name) },
      };
    },
    hasKeys: () => keys.hasAny(),
  };
}
