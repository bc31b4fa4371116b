import type { Redis } from "@upstash/redis/cloudflare";
import type { Cache } from "../clients/cache";
import { parseReply } from "../lib/redis-reply";
import { CATALOG_GENERATION_KEY, CATALOG_GENERATION_TTL_SECONDS, catalogGenerationLua, generationOf, storedResponseOf, type StoredResponse } from "./catalog-cache";
import { KEY_LOOKUP_COUNTER_TTL_SECONDS } from "./auth/key-lookup-limit";
import { PRINCIPAL_TTL_SECONDS, type CachedMembership, type CachedPrincipal } from "./auth/principal-cache";
import type { RateLimitDecision } from "./rate-limit";

/**
 * The Redis work of an authenticated request in one Upstash HTTP request (issue 11 item 2): one
 * server-side script reads the cached principal, applies its rate limit (the key's own, else the
 * default), and, when the request is allowed, reads the membership and the catalog generation and
 * page the route will need.
 *
 * Why a script and not @upstash/ratelimit: the limit is per key and lives with the principal, which
 * a pipeline cannot read before the limiter decides; with the library a cached read costs a second
 * round trip (principal first, then the limiter), or the limit would have to be known up front.
 * The script reads both in one call. Sliding-window counter as before: the previous fixed window's
 * count weighted by its overlap with the sliding minute, plus the current window's count; core
 * commands and cjson only, so stock Redis and Upstash both run it.
 *
 * A key minted by a key shares the budgets of the keys above it (issue 26 item 9): the cached
 * principal lists its lineage (`ancestors`: each one's rate-limit subject and limit, nearest
 * first), and a request is allowed only while the key's own window and every ancestor's are under
 * their limits; it is then counted in all of them, so a parent's limit bounds everything minted
 * under it. The caller declares the lineage's window keys up front (a script may touch only
 * declared keys); when its guess differs from the entry's lineage, nothing is counted and the
 * script returns {principal, -1}, for the caller to run it again with the entry's lineage.
 *
 * Uncached API-key lookups take a place in the client address's lookup counter (issue 26 item 9,
 * auth/key-lookup-limit.ts) here, atomically with the check, when the principal is not cached:
 * concurrent guesses cannot all pass a check made before any of them is counted. The priming call
 * that follows a successful lookup gives the place back (release flag), in the same pipeline.
 * A cached principal never touches the counter.
 *
 * KEYS: principal, rate-limit current window, previous window, membership, generation, page,
 * lookup counter, then the current and previous window of each declared ancestor.
 * ARGV: default limit, window ms, ms elapsed in the window, read membership (1/0), read page (1/0),
 * a new generation token and its TTL in seconds (stored only when the page is read and the
 * generation key is absent: catalog-cache.ts, catalogGenerationLua, so an evicted generation
 * matches no stored page), the declared ancestors' subjects joined by ",", the lookup limit (0: no
 * counter), the counter's TTL in seconds, release a lookup place first (1/0).
 * Returns {false, places taken, reserved (1/0)} when the principal is not cached (no rate-limit
 * window is counted; without a counter {false, 0, 1}), else
 * {principal, allowed, used, limit, membership, generation, page}, where used and limit are those
 * of the window with the least room (the one that refused, when refused).
 */
const SCRIPT = `
if ARGV[11] == '1' then
  local held = tonumber(redis.call('GET', KEYS[7]) or '0')
  if held and held > 0 then redis.call('DECR', KEYS[7]) end
end
local principal = redis.call('GET', KEYS[1])
if not principal then
  local cap = tonumber(ARGV[9])
  if cap <= 0 then return {false, 0, 1} end
  local taken = tonumber(redis.call('GET', KEYS[7]) or '0') or 0
  if taken >= cap then return {false, taken, 0} end
  redis.call('INCR', KEYS[7])
  redis.call('EXPIRE', KEYS[7], ARGV[10])
  return {false, taken + 1, 1}
end
local limit = tonumber(ARGV[1])
local ancestors = {}
local ok, decoded = pcall(cjson.decode, principal)
if ok and type(decoded) == 'table' then
  if type(decoded.limit) == 'number' then limit = decoded.limit end
  if type(decoded.ancestors) == 'table' then ancestors = decoded.ancestors end
end
local subjects = {}
for i, a in ipairs(ancestors) do subjects[i] = tostring(a.subject) end
if table.concat(subjects, ',') ~= ARGV[8] then return {principal, -1} end
local window = tonumber(ARGV[2])
local elapsed = tonumber(ARGV[3])
local windows = {{KEYS[2], KEYS[3], limit}}
for i, a in ipairs(ancestors) do
  local own = tonumber(ARGV[1])
  if type(a.limit) == 'number' then own = a.limit end
  windows[i + 1] = {KEYS[6 + 2 * i], KEYS[7 + 2 * i], own}
end
local room, used = nil, 0
for _, w in ipairs(windows) do
  local previous = tonumber(redis.call('GET', w[2]) or '0')
  local current = tonumber(redis.call('GET', w[1]) or '0')
  local count = previous * (window - elapsed) / window + current
  if count >= w[3] then
    return {principal, 0, math.floor(count), w[3], false, false, false}
  end
  if room == nil or w[3] - count < room then room, used, limit = w[3] - count, count, w[3] end
end
for _, w in ipairs(windows) do
  if redis.call('INCR', w[1]) == 1 then redis.call('PEXPIRE', w[1], window * 2) end
end
used = math.floor(used + 1)
local membership = false
if ARGV[4] == '1' then membership = redis.call('GET', KEYS[4]) end
if ARGV[5] ~= '1' then return {principal, 1, used, limit, membership, false, false} end
${catalogGenerationLua("KEYS[5]", "ARGV[6]", "ARGV[7]")}
return {principal, 1, used, limit, membership, generation, redis.call('GET', KEYS[6])}
`;

const WINDOW_MS = 60_000;
/** Stands in for a key the script is told not to read (every script key must be declared). */
const UNUSED_KEY = "hot-path:unused";

export interface HotPathInput {
  principalKey: string;
  /** Rate-limit subject known before the principal: the key's hash or the token's `sub`. */
  subject: string;
  defaultLimit: number;
  membershipKey?: string;
  /** The catalog response the route will read (catalog-cache key), if any. */
  pageKey?: string;
  /**
   * The rate-limit subjects of the keys above this one, nearest first, as the caller believes
   * them (its isolate's memory, or the principal it just loaded); none for users and root keys.
   */
  ancestors?: string[];
  /**
   * The client address's lookup counter and limit (auth/key-lookup-limit.ts): a place is reserved
   * in it when the principal is not cached, refused once `limit` places are taken.
   */
  lookups?: { key: string; limit: number };
  /** Give back one place in `lookups` first (the priming call after a successful lookup). */
  releaseLookup?: boolean;
  /**
   * Through the request's own client (Cache.redis), whose auto-pipelining joins the script with a
   * read started beside it (the assembled-context tag: plugins/context-cache.ts) in one Upstash
   * request; otherwise through the shared text client (Cache.text), which costs less CPU.
   */
  pipelined?: boolean;
}

export interface CatalogPrefetch {
  key: string;
  generation: string;
  stored: StoredResponse | null;
}

export type HotPathResult =
  | { status: "unavailable" }
  /**
   * `lookup`: whether a place for the database lookup was taken in `lookups` (`reserved`; also
   * when there is no counter) or refused because the address's places are taken (`refused`).
   */
  | { status: "miss"; lookup: "reserved" | "refused" }
  /** The declared ancestors were not the entry's: nothing was counted; run again with these. */
  | { status: "lineage"; ancestors: string[] }
  | {
      status: "hit";
      principal: CachedPrincipal;
      decision: RateLimitDecision;
      membership: CachedMembership | null;
      /** Only when the request was allowed and a page was asked for. */
      catalog?: CatalogPrefetch;
    };

function scriptArgs(input: HotPathInput, now: number) {
  const window = Math.floor(now / WINDOW_MS);
  const elapsed = now - window * WINDOW_MS;
  const keys = [
    input.principalKey,
    `rl:${input.subject}:${window}`,
    `rl:${input.subject}:${window - 1}`,
    input.membershipKey ?? UNUSED_KEY,
    input.pageKey ? CATALOG_GENERATION_KEY : UNUSED_KEY,
    input.pageKey ?? UNUSED_KEY,
    input.lookups?.key ?? UNUSED_KEY,
    ...(input.ancestors ?? []).flatMap((subject) => [`rl:${subject}:${window}`, `rl:${subject}:${window - 1}`]),
  ];
  const args = [
    input.defaultLimit,
    WINDOW_MS,
    elapsed,
    input.membershipKey ? 1 : 0,
    input.pageKey ? 1 : 0,
    crypto.randomUUID(),
    CATALOG_GENERATION_TTL_SECONDS,
    (input.ancestors ?? []).join(","),
    input.lookups?.limit ?? 0,
    KEY_LOOKUP_COUNTER_TTL_SECONDS,
    input.lookups && input.releaseLookup ? 1 : 0,
  ];
  return { keys, args, elapsed };
}

function interpret(input: HotPathInput, reply: unknown, elapsed: number): HotPathResult {
  if (!Array.isArray(reply)) return { status: "unavailable" };
  const principal = parseReply(reply[0]) as CachedPrincipal | null;
  if (!principal) return { status: "miss", lookup: Number(reply[2]) === 1 ? "reserved" : "refused" };
  if (Number(reply[1]) === -1) return { status: "lineage", ancestors: principal.kind === "api_key" ? (principal.ancestors ?? []).map((a) => a.subject) : [] };
  const [, allowed, used, limit, membership, generation, page] = reply as [unknown, number, number, number, unknown, unknown, unknown];
  const decision: RateLimitDecision = {
    allowed: Number(allowed) === 1,
    limit: Number(limit),
    remaining: Math.max(0, Number(limit) - Number(used)),
    resetSeconds: Math.max(1, Math.ceil((WINDOW_MS - elapsed) / 1000)),
  };
  const result: HotPathResult = { status: "hit", principal, decision, membership: parseReply(membership) as CachedMembership | null };
  const current = generationOf(generation);
  // The script always returns the generation with a page read; without one the route reads itself.
  if (decision.allowed && input.pageKey && current !== null) result.catalog = { key: input.pageKey, generation: current, stored: storedResponseOf(page) };
  return result;
}

/** The client a hot-path call goes through (HotPathInput.pipelined); null when the cache is off. */
function clientFor(cache: Cache, input: HotPathInput): Redis | null {
  if (!cache.enabled) return null;
  return input.pipelined ? cache.redis : cache.text;
}

/**
 * One Upstash request: the script above, through the text client (Cache.text: every value it
 * returns is JSON or a token this app wrote, so plain replies, parsed here). `unavailable` when Redis is off, failed or missed its
 * deadline, or refused the script's INCR (OOM at maxmemory): the caller then goes to the database,
 * and the access gate rate-limits in the isolate instead (services/rate-limit.ts, localRateLimit).
 */
export async function readHotPath(cache: Cache, input: HotPathInput, now = Date.now()): Promise<HotPathResult> {
  const redis = clientFor(cache, input);
  if (!redis) return { status: "unavailable" };
  const { keys, args, elapsed } = scriptArgs(input, now);
  try {
    return interpret(input, await redis.eval(SCRIPT, keys, args), elapsed);
  } catch {
    return { status: "unavailable" };
  }
}

/**
 * After a miss: stores the principal loaded from the database and runs the script, in one
 * pipelined request (so a cold request costs two Upstash requests and one database query).
 */
export async function primeHotPath(cache: Cache, input: HotPathInput, principal: CachedPrincipal, now = Date.now()): Promise<HotPathResult> {
  const redis = clientFor(cache, input);
  if (!redis) return { status: "unavailable" };
  const { keys, args, elapsed } = scriptArgs(input, now);
  try {
    const [, reply] = await redis.pipeline().set(input.principalKey, JSON.stringify(principal), { ex: PRINCIPAL_TTL_SECONDS }).eval(SCRIPT, keys, args).exec();
    return interpret(input, reply, elapsed);
  } catch {
    return { status: "unavailable" };
  }
}
