import type { DatabaseClients } from "../../db/client";
import { findApiKeyByHash, findUserByClerkId, touchApiKey, upsertUser } from "../../db/queries/identity";
import { KEY_MANAGER_ROLE, type ApiKeyScope } from "../../lib/access";
import { ApiError } from "../../lib/errors";
import { hashApiKey, isWellFormedApiKey, looksLikeApiKey } from "./api-key-format";
import { verifySessionToken, type ClerkConfig } from "./clerk-jwt";
import { roleAtLeast, type Principal } from "./principal";

export type Credentials = { kind: "api_key"; value: string } | { kind: "jwt"; value: string };

/** Reads credentials from `Authorization: Bearer …` or `X-API-Key` (design.md §12). */
export function readCredentials(headers: { authorization?: string; apiKey?: string }): Credentials {
  if (headers.apiKey) return { kind: "api_key", value: headers.apiKey.trim() };
  if (!headers.authorization) throw new ApiError(401, "unauthenticated", "Authentication required.");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization);
  if (!match) {
    throw new ApiError(401, "authorization_malformed", "Use `Authorization: Bearer <session token or API key>`.");
  }
  const value = match[1]!;
  return looksLikeApiKey(value) ? { kind: "api_key", value } : { kind: "jwt", value };
}

// last_used_at is informational: refresh it at most once a minute, after the response.
const LAST_USED_GRANULARITY_MS = 60_000;

export async function authenticate(
  credentials: Credentials,
  deps: { db: DatabaseClients; clerk: ClerkConfig; waitUntil: (work: Promise<unknown>) => void },
): Promise<Principal> {
  if (credentials.kind === "api_key") {
    // The checksum refuses typos and guesses before any database work.
    if (!isWellFormedApiKey(credentials.value)) throw new ApiError(401, "api_key_invalid", "The API key is not valid.");
    const key = await findApiKeyByHash(deps.db.http, await hashApiKey(credentials.value));
    if (!key) throw new ApiError(401, "api_key_invalid", "The API key is not valid.");
    if (key.revokedAt) throw new ApiError(401, "api_key_revoked", "The API key has been revoked.");
    if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) throw new ApiError(401, "api_key_expired", "The API key has expired.");
    // A key acts only while its creator could still create it. A key with no recorded creator (the
    // user row is gone, or it was made by a script) keeps working until revoked (design.md §12).
    if (key.createdByUserId !== null && !roleAtLeast(key.creatorRole, KEY_MANAGER_ROLE)) {
      throw new ApiError(401, "api_key_creator_lacks_role", `The API key's creator is no longer a member with the ${KEY_MANAGER_ROLE} role in its workspace.`);
    }
    if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
      deps.waitUntil(touchApiKey(deps.db.http, key.id).catch(() => {}));
    }
    return {
      kind: "api_key",
      key: {
        id: key.id,
        workspaceId: key.workspaceId,
        scopes: key.scopes as ApiKeyScope[],
        rateLimitPerMinute: key.rateLimitPerMinute,
        expiresAt: key.expiresAt,
        createdByUserId: key.createdByUserId,
      },
    };
  }

  const claims = await verifySessionToken(credentials.value, deps.clerk);
  const existing = await findUserByClerkId(deps.db.http, claims.sub);
  // Written only when missing or changed (design.md §11): most requests are a single read.
  const changed =
    !existing || (claims.email !== null && claims.email !== existing.email) || (claims.name !== null && claims.name !== existing.name);
  const user = changed ? await upsertUser(deps.db.http, { clerkUserId: claims.sub, email: claims.email, name: claims.name }) : existing;
  return { kind: "user", user };
}
