import type { Cache } from "../../clients/cache";
import type { DatabaseClients } from "../../db/client";
import { findApiKeyByHash, findMembershipRole, findUserByClerkId, touchApiKey, upsertUser, type WorkspaceRole } from "../../db/queries/identity";
import { KEY_MANAGER_ROLE, type ApiKeyScope } from "../../lib/access";
import { ApiError } from "../../lib/errors";
import { isolateCaches } from "../../lib/isolate-caches";
import { hashApiKey, isWellFormedApiKey, looksLikeApiKey } from "./api-key-format";
import type { Prefetched } from "../catalog-cache";
import { primeHotPath, readHotPath, type HotPathInput, type HotPathResult } from "../hot-path";
import type { RateLimitDecision } from "../rate-limit";
import { verifySessionToken, type ClerkConfig, type SessionClaims } from "./clerk-jwt";
import { roleAtLeast, type Principal } from "./principal";
import { PRINCIPAL_TTL_SECONDS, apiKeyCacheKey, fromCached, membershipCacheKey, toCached, userCacheKey } from "./principal-cache";

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

// last_used_at is informational: refreshed after the response, only when the principal is loaded
// from the database (a cache miss, at most once per entry TTL), and at most once a minute.
const LAST_USED_GRANULARITY_MS = 60_000;

const invalidKey = () => new ApiError(401, "api_key_invalid", "The API key is not valid.");

interface Deps {
  db: DatabaseClients;
  cache: Cache;
  clerk: ClerkConfig;
  waitUntil: (work: Promise<unknown>) => void;
}

/** The key's principal from the database (one query), refusing revoked, expired and orphaned keys. */
async function loadApiKey(keyHash: string, deps: Deps): Promise<Principal> {
  const key = await findApiKeyByHash(deps.db.http, keyHash);
  if (!key) throw invalidKey();
  if (key.revokedAt) throw new ApiError(401, "api_key_revoked", "The API key has been revoked.");
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

/** Whether the token carries an e-mail or name the stored user lacks (design.md §11). */
function claimsChanged(claims: SessionClaims, user: { email: string | null; name: string | null }): boolean {
  return (claims.email !== null && claims.email !== user.email) || (claims.name !== null && claims.name !== user.name);
}

/** The user from the database (one read; a write only when missing or changed). */
async function loadUser(claims: SessionClaims, deps: Deps): Promise<Principal> {
  const existing = await findUserByClerkId(deps.db.http, claims.sub);
  const user =
    !existing || claimsChanged(claims, existing) ? await upsertUser(deps.db.http, { clerkUserId: claims.sub, email: claims.email, name: claims.name }) : existing;
  return { kind: "user", user };
}

/** Expiry is checked on every request, cached or not: the entry holds the key's expires_at. */
function checkExpiry(principal: Principal): void {
  if (principal.kind === "api_key" && principal.key.expiresAt && principal.key.expiresAt.getTime() <= Date.now()) {
    throw new ApiError(401, "api_key_expired", "The API key has expired.");
  }
}

export interface AuthOutcome<S = never> {
  principal: Principal;
  /** What `speculate` started, and for which workspace (the caller checks it is the request's). */
  speculative?: { workspaceId: string; value: S };
  /** null when Redis is off or failed: rate limiting fails open. */
  decision: RateLimitDecision | null;
  /** For a user naming a workspace: their role there, null when not a member. */
  membership?: WorkspaceRole | null;
  /** The catalog page read in the same round trip, for the route. */
  catalog?: Prefetched;
}

/**
 * Which workspace each API key (by hash) acts for, as this isolate has seen: a key's workspace
 * never changes (api_keys.workspace_id is set once), so an entry cannot go wrong, only be missing;
 * revocation is still checked on every request by the hot path. It only lets `speculate` start
 * before the principal is read. Isolate scope on purpose (it outlives requests); bounded, oldest
 * first out.
 */
const keyWorkspaces = new Map<string, string>();
const KEY_WORKSPACES_MAX = 10_000;
isolateCaches.register("api key workspaces", () => keyWorkspaces.clear());

function rememberKeyWorkspace(keyHash: string, workspaceId: string): void {
  if (keyWorkspaces.get(keyHash) === workspaceId) return;
  keyWorkspaces.set(keyHash, workspaceId);
  if (keyWorkspaces.size > KEY_WORKSPACES_MAX) keyWorkspaces.delete(keyWorkspaces.keys().next().value!);
}

/**
 * Authenticates a request, rate-limits it and reads what its route will need from Redis in one
 * Upstash HTTP request (services/hot-path.ts; issue 11 items 1–3):
 * - warm principal cache: no database query, one Upstash request;
 * - cold (first request for a key or user): one database query for the principal, which is then
 *   cached (PRINCIPAL_TTL_SECONDS) in the same request as the rate-limit script (two Upstash requests);
 * - Redis off, failing or past its deadline: the principal comes from the database and nothing is
 *   refused for want of a rate-limit decision.
 * `workspaceId` (a well-formed id, lower case) makes a user's membership part of the read; the
 * membership is cached only when it exists. `speculate` is started, alongside the hot-path request,
 * for the workspace the request most likely acts in (the named one, else the API key's own as
 * this isolate learnt it from an earlier request), and its value returned as `speculative`.
 * Raises the 401s of credentials, keys and tokens.
 */
export async function authenticateRequest<S = never>(
  credentials: Credentials,
  deps: Deps,
  opts: { defaultLimit: number; workspaceId?: string; pageKey?: string; speculate?: (workspaceId: string) => S | undefined },
): Promise<AuthOutcome<S>> {
  let input: HotPathInput;
  let load: () => Promise<Principal>;
  let claims: SessionClaims | undefined;
  let keyHash: string | undefined;
  if (credentials.kind === "api_key") {
    // The checksum refuses typos and guesses before any cache or database work.
    if (!isWellFormedApiKey(credentials.value)) throw invalidKey();
    keyHash = await hashApiKey(credentials.value);
    input = { principalKey: apiKeyCacheKey(keyHash), subject: `key:${keyHash}`, defaultLimit: opts.defaultLimit, pageKey: opts.pageKey };
    const hash = keyHash;
    load = () => loadApiKey(hash, deps);
  } else {
    const verified = await verifySessionToken(credentials.value, deps.clerk);
    claims = verified;
    input = {
      principalKey: userCacheKey(verified.sub),
      subject: `user:${verified.sub}`,
      defaultLimit: opts.defaultLimit,
      pageKey: opts.pageKey,
      membershipKey: opts.workspaceId ? membershipCacheKey(opts.workspaceId, verified.sub) : undefined,
    };
    load = () => loadUser(verified, deps);
  }

  const guess = opts.workspaceId ?? (keyHash ? keyWorkspaces.get(keyHash) : undefined);
  const started = guess && opts.speculate ? opts.speculate(guess) : undefined;
  let hot: HotPathResult = await readHotPath(deps.cache, input);
  let principal: Principal;
  if (hot.status === "hit") {
    principal = fromCached(hot.principal);
    if (claims && principal.kind === "user" && claimsChanged(claims, principal.user)) {
      // A new e-mail or name in the token: written through, and the entry replaced.
      principal = await loadUser(claims, deps);
      await deps.cache.set(input.principalKey, JSON.stringify(toCached(principal)), PRINCIPAL_TTL_SECONDS);
    }
  } else {
    principal = await load();
    if (hot.status === "miss") hot = await primeHotPath(deps.cache, input, toCached(principal));
  }
  checkExpiry(principal);
  if (keyHash && principal.kind === "api_key") rememberKeyWorkspace(keyHash, principal.key.workspaceId);

  const outcome: AuthOutcome<S> = { principal, decision: hot.status === "hit" ? hot.decision : null };
  if (guess && started !== undefined) outcome.speculative = { workspaceId: guess, value: started };
  if (opts.pageKey) outcome.catalog = hot.status === "hit" && hot.catalog ? hot.catalog : hot.status === "unavailable" ? { key: opts.pageKey, unavailable: true } : undefined;
  if (opts.workspaceId && principal.kind === "user" && claims && outcome.decision?.allowed !== false) {
    const cached = hot.status === "hit" ? hot.membership : null;
    if (cached) outcome.membership = cached.role;
    else {
      outcome.membership = await findMembershipRole(deps.db.http, opts.workspaceId, principal.user.id);
      if (outcome.membership && hot.status !== "unavailable") {
        deps.waitUntil(deps.cache.set(membershipCacheKey(opts.workspaceId, claims.sub), { role: outcome.membership }, PRINCIPAL_TTL_SECONDS));
      }
    }
  }
  return outcome;
}
