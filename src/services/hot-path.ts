import type { Redis } from "@upstash/redis/cloudflare";
import type { Cache } from "../clients/cache";
import { parseReply } from "../lib/redis-reply";
import { CATALOG_GENERATION_KEY, CATALOG_GENERATION_TTL_SECONDS, catalogGenerationLua, generationOf, storedResponseOf, type StoredResponse } from "./catalog-cache";
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
 * KEYS: principal, rate-limit current window, previous window, membership, generation, page.
 * ARGV: default limit, window ms, ms elapsed in the window, read membership (1/0), read page (1/0),
 * a new generation token and its TTL in seconds (stored only when the page is read and the
 * generation key is absent: catalog-cache.ts, catalogGenerationLua, so an evicted generation
 * matches no stored page).
 * Returns {false} when the principal is not cached (nothing is counted), else
 * {principal, allowed, used, limit, membership, generation, page}.
 */
const SCRIPT = `
local principal = redis.call('GET', KEYS[1])
if not principal then return {false} end
local limit = tonumber(ARGV[1])
local ok, decoded = pcall(cjson.decode, principal)
if ok and type(decoded) == 'table' and type(decoded.limit) == 'number' then limit = decoded.limit end
local window = tonumber(ARGV[2])
local elapsed = tonumber(ARGV[3])
local previous = tonumber(redis.call('GET', KEYS[3]) or '0')
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
local weight = previous * (window - elapsed) / window
if weight + current >= limit then
  return {principal, 0, math.floor(weight + current), limit, false, false, false}
end
current = redis.call('INCR', KEYS[2])
if current == 1 then redis.call('PEXPIRE', KEYS[2], window * 2) end
local membership = false
if ARGV[4] == '1' then membership = redis.call('GET', KEYS[4]) end
if ARGV[5] ~= '1' then return {principal, 1, math.floor(weight + current), limit, membership, false, false} end
${catalogGenerationLua("KEYS[5]", "ARGV[6]", "ARGV[7]")}
return {principal, 1, math.floor(weight + current), limit, membership, generation, redis.call('GET', KEYS[6])}
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
}

export interface CatalogPrefetch {
  key: string;
  generation: string;
  stored: StoredResponse | null;
}

export type HotPathResult =
  | { status: "unavailable" }
  | { status: "miss" }
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
  ];
  const args = [input.defaultLimit, WINDOW_MS, elapsed, input.membershipKey ? 1 : 0, input.pageKey ? 1 : 0, crypto.randomUUID(), CATALOG_GENERATION_TTL_SECONDS];
  return { keys, args, elapsed };
}

function interpret(input: HotPathInput, reply: unknown, elapsed: number): HotPathResult {
  if (!Array.isArray(reply)) return { status: "unavailable" };
  const principal = parseReply(reply[0]) as CachedPrincipal | null;
  if (!principal) return { status: "miss" };
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

/**
 * One Upstash request: the script above. `unavailable` when Redis is off, failed or missed its
 * deadline: the caller then goes to the database and does not rate-limit (fail-open).
 */
export async function readHotPath(cache: Cache, input: HotPathInput, now = Date.now()): Promise<HotPathResult> {
  if (!cache.redis) return { status: "unavailable" };
  const { keys, args, elapsed } = scriptArgs(input, now);
  try {
    return interpret(input, await cache.redis.eval(SCRIPT, keys, args), elapsed);
  } catch {
    return { status: "unavailable" };
  }
}

/**
 * After a miss: stores the principal loaded from the database and runs the script, in one
 * pipelined request (so a cold request costs two Upstash requests and one database query).
 */
export async function primeHotPath(cache: Cache, input: HotPathInput, principal: CachedPrincipal, now = Date.now()): Promise<HotPathResult> {
  const redis: Redis | null = cache.redis;
  if (!redis) return { status: "unavailable" };
  const { keys, args, elapsed } = scriptArgs(input, now);
  try {
    const [, reply] = await redis.pipeline().set(input.principalKey, JSON.stringify(principal), { ex: PRINCIPAL_TTL_SECONDS }).eval(SCRIPT, keys, args).exec();
    return interpret(input, reply, elapsed);
  } catch {
    return { status: "unavailable" };
  }
}
