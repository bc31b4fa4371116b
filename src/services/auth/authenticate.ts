import type { Cache } from "../../clients/cache";
import type { DatabaseClients } from "../../db/client";
import { findApiKeyWithLineage } from "../../db/queries/api-keys";
import { findMembershipRole, findUserByClerkId, touchApiKey, upsertUser, type WorkspaceRole } from "../../db/queries/identity";
import { KEY_MANAGER_ROLE, type ApiKeyScope } from "../../lib/access";
import { ApiError } from "../../lib/errors";
import { isolateCaches } from "../../lib/isolate-caches";
import { hashApiKey, isWellFormedApiKey, looksLikeApiKey } from "./api-key-format";
import type { Prefetched } from "../catalog-cache";
import { primeHotPath, readHotPath, type HotPathInput, type HotPathResult } from "../hot-path";
import { localRateLimit, rateWindowsOf, type RateLimitDecision } from "../rate-limit";
import { catalogMemory } from "../catalog-memory";
import { verifySessionToken, type ClerkConfig, type SessionClaims } from "./clerk-jwt";
import { keyLookupFailureKey, keyLookupsLimited, releaseKeyLookup, releaseLocalKeyLookup, reserveLocalKeyLookup } from "./key-lookup-limit";
import { MAX_KEY_ANCESTORS, roleAtLeast, type Principal } from "./principal";
import { PRINCIPAL_TTL_SECONDS, apiKeyCacheKey, apiKeyRateSubject, fromCached, membershipCacheKey, toCached, userCacheKey } from "./principal-cache";

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

/**
 * The key's principal from the database (one query, its lineage included), refusing unknown,
 * revoked and orphaned keys (expiry is checked by the caller, cached or not).
 */
async function loadApiKey(keyHash: string, deps: Deps): Promise<Principal> {
  const key = await findApiKeyWithLineage(deps.db.http, keyHash, MAX_KEY_ANCESTORS);
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
      ancestors: key.ancestors.map((a) => ({ subject: apiKeyRateSubject(a.keyHash), limit: a.rateLimitPerMinute })),
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
  /** null when Redis is off, failed or refused the script's writes: the access gate then decides in the isolate (services/rate-limit.ts, localRateLimit). */
  decision: RateLimitDecision | null;
  /** For a user naming a workspace: their role there, null when not a member. */
  membership?: WorkspaceRole | null;
  /** The catalog page read in the same round trip, for the route. */
  catalog?: Prefetched;
}

/**
 * Which workspace each API key (by hash) acts for and which keys are above it (their rate-limit
 * subjects), as this isolate has seen: neither ever changes (api_keys.workspace_id and
 * created_by_api_key_id are set once), so an entry cannot go wrong, only be missing; revocation is
 * still checked on every request by the hot path, and the script checks the lineage against the
 * cached principal. It lets `speculate` start before the principal is read, and the hot-path
 * script declare the lineage's windows in its first call. Isolate scope on purpose (it outlives
 * requests); bounded, oldest first out.
 */
interface KeyFacts {
  workspaceId: string;
  ancestors: string[];
}
const keyFacts = new Map<string, KeyFacts>();
const KEY_FACTS_MAX = 10_000;
isolateCaches.register("api key workspaces", () => keyFacts.clear());

function rememberKey(keyHash: string, facts: KeyFacts): void {
  const known = keyFacts.get(keyHash);
  if (known && known.workspaceId === facts.workspaceId && known.ancestors.join(",") === facts.ancestors.join(",")) return;
  keyFacts.set(keyHash, facts);
  if (keyFacts.size > KEY_FACTS_MAX) keyFacts.delete(keyFacts.keys().next().value!);
}

/**
 * Authenticates a request, rate-limits it and reads what its route will need from Redis in one
 * Upstash HTTP request (services/hot-path.ts; issue 11 items 1–3):
 * - warm principal cache: no database query, one Upstash request;
 * - cold (first request for a key or user): one database query for the principal, which is then
 *   cached (PRINCIPAL_TTL_SECONDS) in the same request as the rate-limit script (two Upstash requests);
 * - Redis off, failing, past its deadline or refusing writes (OOM): the principal comes from the
 *   database and `decision` is null; the access gate then rate-limits in the isolate (issue 26 item 4).
 * `workspaceId` (a well-formed id, lower case) makes a user's membership part of the read; the
 * membership is cached only when it exists. `speculate` is started, alongside the hot-path request,
 * for the workspace the request most likely acts in (the named one, else the API key's own as
 * this isolate learnt it from an earlier request), and its value returned as `speculative`.
 * A key minted by a key is rate-limited in its ancestors' windows too (services/hot-path.ts); the
 * first request of such a key in an isolate whose principal is cached costs one more Upstash
 * request (the script tells the lineage, then counts).
 * `failedLookups` (the access gate always passes it) limits uncached key lookups per client
 * address: `bucket` from clientAddressBucket, `limit` failures per minute (auth/key-lookup-limit.ts).
 * The place for the lookup is reserved in the same script call that finds the principal missing,
 * and given back in the priming request when the key is live, so neither costs an Upstash request
 * and a cached key never touches the count; with Redis unavailable the isolate's count does both.
 * Raises the 401s of credentials, keys and tokens, and 429 `api_key_lookups_limited`.
 */
export async function authenticateRequest<S = never>(
  credentials: Credentials,
  deps: Deps,
  opts: {
    defaultLimit: number;
    workspaceId?: string;
    pageKey?: string;
    speculate?: (workspaceId: string) => S | undefined;
    failedLookups?: { bucket: string; limit: number };
    /**
     * CATALOG_FRESHNESS_MS, on cached catalog reads (with `pageKey`): a session token's read may be
     * answered from the isolate's memory tier with no round trip (services/catalog-memory.ts,
     * design.md §26, §32); 0 or absent: never.
     */
    catalogFreshnessMs?: number;
  },
): Promise<AuthOutcome<S>> {
  let input: HotPathInput;
  let load: (hot: HotPathResult) => Promise<Principal>;
  let claims: SessionClaims | undefined;
  let keyHash: string | undefined;
  // Whether the hot-path script reserved this request's lookup place in Redis (to give back on success).
  let reservedInRedis = false;
  if (credentials.kind === "api_key") {
    // The checksum refuses typos before any cache or database work. It is no secret: a made-up
    // key with a valid checksum is looked up, and failed lookups are limited per address below.
    if (!isWellFormedApiKey(credentials.value)) throw invalidKey();
    keyHash = await hashApiKey(credentials.value);
    const limiter = opts.failedLookups;
    const counter = limiter ? keyLookupFailureKey(limiter.bucket) : undefined;
    input = {
      principalKey: apiKeyCacheKey(keyHash),
      subject: apiKeyRateSubject(keyHash),
      defaultLimit: opts.defaultLimit,
      pageKey: opts.pageKey,
      ancestors: keyFacts.get(keyHash)?.ancestors ?? [],
      lookups: limiter && counter ? { key: counter, limit: limiter.limit } : undefined,
    };
    const hash = keyHash;
    // Reserve, then look up (issue 26 item 9): the place was taken in Redis by the script that
    // found the principal missing; otherwise (Redis unavailable, or the rare lineage race) in the
    // isolate. A failed lookup (401) keeps its place, which is the count; a live key gives it back
    // (Redis: in the priming request, below; should that request fail, the place stays taken until
    // the minute turns); a lookup that never answered (database unavailable) gives it back too.
    load = async (hot) => {
      if (!limiter || !counter) return loadApiKey(hash, deps);
      if (hot.status === "miss" && hot.lookup === "refused") throw keyLookupsLimited();
      const local = hot.status === "miss" ? undefined : reserveLocalKeyLookup(limiter.bucket, limiter.limit);
      try {
        const principal = await loadApiKey(hash, deps);
        if (local) releaseLocalKeyLookup(local);
        else reservedInRedis = true;
        return principal;
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 401)) {
          if (local) releaseLocalKeyLookup(local);
          else await releaseKeyLookup(deps.cache, counter);
        }
        throw error;
      }
    };
  } else {
    const verified = await verifySessionToken(credentials.value, deps.clerk);
    claims = verified;
    const remembered = fromMemory<S>(verified, opts);
    if (remembered) return remembered;
    input = {
      principalKey: userCacheKey(verified.sub),
      subject: `user:${verified.sub}`,
      defaultLimit: opts.defaultLimit,
      pageKey: opts.pageKey,
      membershipKey: opts.workspaceId ? membershipCacheKey(opts.workspaceId, verified.sub) : undefined,
    };
    load = () => loadUser(verified, deps);
  }

  // A read started beside the script shares its Upstash request through the request's pipelining client.
  if (opts.speculate) input.pipelined = true;
  const guess = opts.workspaceId ?? (keyHash ? keyFacts.get(keyHash)?.workspaceId : undefined);
  const started = guess && opts.speculate ? opts.speculate(guess) : undefined;
  let hot: HotPathResult = await readHotPath(deps.cache, input);
  // This isolate did not know the key's lineage (or knew an older one): once more, with the entry's.
  if (hot.status === "lineage") hot = await readHotPath(deps.cache, (input = { ...input, ancestors: hot.ancestors }));
  let principal: Principal;
  if (hot.status === "hit") {
    principal = fromCached(hot.principal);
    if (claims && principal.kind === "user" && claimsChanged(claims, principal.user)) {
      // A new e-mail or name in the token: written through, and the entry replaced.
      principal = await loadUser(claims, deps);
      await deps.cache.set(input.principalKey, JSON.stringify(toCached(principal)), PRINCIPAL_TTL_SECONDS);
    }
  } else {
    // A miss, Redis unavailable, or (rarely) an entry whose lineage changed between the two calls.
    principal = await load(hot);
    if (principal.kind === "api_key") input = { ...input, ancestors: principal.key.ancestors.map((a) => a.subject), releaseLookup: reservedInRedis };
    if (hot.status !== "unavailable") hot = await primeHotPath(deps.cache, input, toCached(principal));
  }
  checkExpiry(principal);
  if (keyHash && principal.kind === "api_key") {
    rememberKey(keyHash, { workspaceId: principal.key.workspaceId, ancestors: principal.key.ancestors.map((a) => a.subject) });
  }

  const outcome: AuthOutcome<S> = { principal, decision: hot.status === "hit" ? hot.decision : null };
  if (guess && started !== undefined) outcome.speculative = { workspaceId: guess, value: started };
  const memoryOn = (opts.catalogFreshnessMs ?? 0) > 0;
  if (opts.pageKey) {
    outcome.catalog = hot.status === "hit" && hot.catalog ? { ...hot.catalog, remember: memoryOn } : hot.status === "unavailable" ? { key: opts.pageKey, unavailable: true } : undefined;
    // Any caller's round trip refreshes the isolate's copy of the generation (design.md §54).
    if (memoryOn && hot.status === "hit" && hot.catalog) catalogMemory().noteGeneration(hot.catalog.generation);
  }
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
  // A signed-in reader's snapshot, read in the same round trip as the generation (design.md §32, §54).
  if (memoryOn && claims && opts.pageKey && outcome.catalog && "generation" in outcome.catalog && outcome.decision?.allowed) {
    const workspace = opts.workspaceId ? { id: opts.workspaceId, role: outcome.membership ?? null } : undefined;
    catalogMemory().rememberPrincipal(claims.sub, principal, workspace);
  }
  return outcome;
}

/**
 * A session token's cached catalog read answered from the isolate's memory tier, with no round
 * trip (services/catalog-memory.ts: generation copy and snapshot younger than the bound, no admin,
 * the page held), rate-limited by the isolate's own windows at the same per-minute limit (design.md
 * §32). Undefined when any rule fails, or when the token carries an e-mail or name the snapshot
 * lacks (the round trip writes it through).
 */
function fromMemory<S>(claims: SessionClaims, opts: { pageKey?: string; workspaceId?: string; defaultLimit: number; catalogFreshnessMs?: number }): AuthOutcome<S> | undefined {
  if (!opts.pageKey || !opts.catalogFreshnessMs) return undefined;
  const read = catalogMemory().read(claims.sub, opts.pageKey, opts.workspaceId, opts.catalogFreshnessMs);
  if (!read || claimsChanged(claims, read.principal.user)) return undefined;
  const decision = localRateLimit(rateWindowsOf(read.principal, `user:${read.principal.user.id}`, opts.defaultLimit));
  const outcome: AuthOutcome<S> = { principal: read.principal, decision, catalog: { key: opts.pageKey, generation: read.generation, stored: read.stored } };
  if (opts.workspaceId) outcome.membership = read.membership ?? null;
  return outcome;
}
