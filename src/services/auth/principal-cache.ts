import type { Cache } from "../../clients/cache";
import type { UserRow, WorkspaceRole } from "../../db/queries/identity";
import type { ApiKeyScope } from "../../lib/access";
import type { KeyLineageEntry, Principal } from "./principal";

/**
 * The principal cache (issue 11 item 1, design.md §12): API keys by hash, Clerk users by `sub` and
 * memberships by (workspace, `sub`), in Redis only, never in isolate memory. Entries are written on
 * a miss and deleted, right after the commit, by every change that affects them (key revoked,
 * member removed or role changed, keys revoked with their creator); the TTL only bounds what a
 * failed delete (Redis down at that moment) can leave behind.
 */
export const PRINCIPAL_TTL_SECONDS = 60;

export const apiKeyCacheKey = (keyHash: string) => `principal:key:${keyHash}`;
/** A key's rate-limit subject (its windows are `rl:<subject>:<minute>`, services/hot-path.ts). */
export const apiKeyRateSubject = (keyHash: string) => `key:${keyHash}`;
export const userCacheKey = (clerkUserId: string) => `principal:user:${clerkUserId}`;
export const membershipCacheKey = (workspaceId: string, clerkUserId: string) => `membership:${workspaceId}:${clerkUserId}`;

/**
 * What an entry holds. `limit` is the key's own rate limit (null: the default), and `ancestors` the
 * keys above it with theirs, read by the hot-path script (services/hot-path.ts) before it decides;
 * an entry written before lineages were cached has no `ancestors` and reads as a root key.
 */
export type CachedPrincipal =
  | {
      kind: "api_key";
      id: string;
      workspaceId: string;
      scopes: ApiKeyScope[];
      limit: number | null;
      expiresAt: string | null;
      createdByUserId: string | null;
      ancestors?: KeyLineageEntry[];
    }
  | {
      kind: "user";
      limit: null;
      user: { id: string; clerkUserId: string; email: string | null; name: string | null; systemRole: UserRow["systemRole"]; createdAt: string; updatedAt: string };
    };

export function toCached(principal: Principal): CachedPrincipal {
  if (principal.kind === "api_key") {
    const { key } = principal;
    return {
      kind: "api_key",
      id: key.id,
      workspaceId: key.workspaceId,
      scopes: key.scopes,
      limit: key.rateLimitPerMinute,
      expiresAt: key.expiresAt ? key.expiresAt.toISOString() : null,
      createdByUserId: key.createdByUserId,
      ancestors: key.ancestors,
    };
  }
  const { user } = principal;
  return {
    kind: "user",
    limit: null,
    user: { ...user, createdAt: user.createdAt.toISOString(), updatedAt: user.updatedAt.toISOString() },
  };
}

export function fromCached(entry: CachedPrincipal): Principal {
  if (entry.kind === "api_key") {
    return {
      kind: "api_key",
      key: {
        id: entry.id,
        workspaceId: entry.workspaceId,
        scopes: entry.scopes,
        rateLimitPerMinute: entry.limit,
        expiresAt: entry.expiresAt ? new Date(entry.expiresAt) : null,
        createdByUserId: entry.createdByUserId,
        ancestors: entry.ancestors ?? [],
      },
    };
  }
  return { kind: "user", user: { ...entry.user, createdAt: new Date(entry.user.createdAt), updatedAt: new Date(entry.user.updatedAt) } };
}

export type CachedMembership = { role: WorkspaceRole };

/** Deletes the entries of revoked keys; call after the revoking transaction has committed. */
export async function forgetApiKeys(cache: Cache, keyHashes: string[]): Promise<void> {
  if (keyHashes.length) await cache.del(...keyHashes.map(apiKeyCacheKey));
}

/** Deletes a membership entry (member removed or role changed); call after the commit. */
export async function forgetMembership(cache: Cache, workspaceId: string, clerkUserId: string): Promise<void> {
  await cache.del(membershipCacheKey(workspaceId, clerkUserId));
}

/** Deletes a user's entry (system role or profile changed outside the request path). */
export async function forgetUser(cache: Cache, clerkUserId: string): Promise<void> {
  await cache.del(userCacheKey(clerkUserId));
}
