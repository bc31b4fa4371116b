import type { Cache } from "../../clients/cache";
import { ApiError } from "../../lib/errors";
import { isolateCaches } from "../../lib/isolate-caches";

/**
 * Failed API-key lookups, limited per client address (issue 26 item 9). The key's CRC-32 checksum
 * catches typos, not guesses: anyone can make up a key with a valid checksum, and each one costs a
 * database query (rate limits are per key, and a made-up key has none). At most
 * `API_KEY_LOOKUP_FAILURES_PER_MINUTE` (default 20) uncached key lookups per client address and
 * clock minute may end in failure (no such key, revoked, creator lost the role); past that, the
 * address's uncached key lookups are answered 429 `api_key_lookups_limited` before the database.
 * A key whose principal is cached (any key used in the last 60 s) never touches the count: the hot
 * path reads it without a lookup.
 *
 * Reserve, then look up: every uncached lookup first takes a place in the address's count for the
 * minute, atomically with the check (in Redis, inside the hot-path script that already runs on the
 * request: services/hot-path.ts, so it costs no extra Upstash request). Checking first and counting
 * after the lookup let a burst of concurrent guesses all pass the check (40 concurrent made-up keys
 * with a limit of 3 all reached the database). A lookup that finds a live key gives its place back
 * (in the pipelined request that caches the principal, again no extra request), so legitimate users
 * are not counted; one that fails keeps it, which is the count. A refused request takes no place
 * (the script checks before it increments), so refusals are not counted and the address can look up
 * again as soon as the minute turns. Consequence: an uncached valid key from an address that has
 * used up its failures this minute is refused too (whether it is valid is what the lookup would
 * tell); a key used in the last 60 s is cached and unaffected.
 *
 * Why not an unforgeable (HMAC) checksum instead: keys minted before would fail it, so either every
 * existing key breaks or a CRC fallback keeps the hole open; a per-address limit keeps every key
 * valid and needs no new secret.
 *
 * The count lives in Redis (shared by all isolates). While Redis is unreachable, past its deadline
 * or refusing writes (the reservation is a write), this isolate's own count stands in, reserved and
 * given back the same way (in memory, so atomic within the isolate).
 */
export const DEFAULT_KEY_LOOKUP_FAILURES_PER_MINUTE = 20;

const WINDOW_MS = 60_000;
/** The Redis counter outlives its minute a little, so a late reservation never leaves a key without a TTL. */
export const KEY_LOOKUP_COUNTER_TTL_SECONDS = 120;

/** `API_KEY_LOOKUP_FAILURES_PER_MINUTE`: a positive integer, else the default. */
export function keyLookupFailureLimit(configured: string | undefined): number {
  const parsed = Number(configured);
  return configured && Number.isInteger(parsed) && parsed > 0 ? parsed : DEFAULT_KEY_LOOKUP_FAILURES_PER_MINUTE;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The eight 16-bit groups of an IPv6 address (IPv4-mapped tail included), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase();
  const v4 = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const octets = IPV4.exec(v4[2]!)!.slice(1).map(Number);
    if (octets.some((o) => o > 255)) return null;
    text = `${v4[1]}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const part = (s: string) => (s === "" ? [] : s.split(":"));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

/**
 * Whom failed lookups are counted against: the client address Cloudflare puts in `CF-Connecting-IP`
 * (set by Cloudflare on every request, a client's own value overwritten). An IPv6 address counts by
 * its /64, the block one subscriber is normally given (otherwise every request could come from a
 * fresh address); an IPv4-mapped IPv6 address counts as the IPv4 address. Without the header (local
 * runs, tests) every caller shares the bucket `unknown`.
 */
export function clientAddressBucket(header: string | undefined | null): string {
  const address = header?.trim() ?? "";
  if (!address) return "unknown";
  const v4 = IPV4.exec(address);
  if (v4 && v4.slice(1).every((o) => Number(o) <= 255)) return `v4:${v4.slice(1).map(Number).join(".")}`;
  const groups = ipv6Groups(address);
  if (!groups) return `raw:${address.slice(0, 64).toLowerCase()}`;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `v4:${[groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join(".")}`;
  }
  return `v6:${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** The counter of an address's lookup places in the minute holding `now` (failed lookups, plus any in flight). */
export function keyLookupFailureKey(bucket: string, now = Date.now()): string {
  return `auth:key-failures:${bucket}:${Math.floor(now / WINDOW_MS)}`;
}

/**
 * This isolate's own counts, per address and minute: the floor that holds while Redis is down or
 * refuses writes. Isolate scope on purpose (it must outlive a request); bounded, oldest first out.
 */
const localLookups = new Map<string, number>();
const LOCAL_MAX = 10_000;
isolateCaches.register("failed key lookups", () => localLookups.clear());

/** 429 `api_key_lookups_limited`, with Retry-After: the seconds to the end of the minute. */
export function keyLookupsLimited(now = Date.now()): ApiError {
  const retryAfter = Math.max(1, Math.ceil((WINDOW_MS - (now % WINDOW_MS)) / 1000));
  return new ApiError(
    429,
    "api_key_lookups_limited",
    `Too many requests with unknown or revoked API keys from this address; try again in ${retryAfter} s.`,
    { headers: { "Retry-After": String(retryAfter) } },
  );
}

/**
 * Takes a place for one uncached lookup in this isolate's count of the address's minute (used when
 * Redis could not reserve). Returns the counter's name, for `releaseLocalKeyLookup`. Raises 429
 * `api_key_lookups_limited` when `limit` places are taken; a refusal takes none.
 */
export function reserveLocalKeyLookup(bucket: string, limit: number, now = Date.now()): string {
  const key = keyLookupFailureKey(bucket, now);
  const taken = localLookups.get(key) ?? 0;
  if (taken >= limit) throw keyLookupsLimited(now);
  // Re-inserted, so the map's order is last-used and the oldest minute leaves first.
  localLookups.delete(key);
  localLookups.set(key, taken + 1);
  if (localLookups.size > LOCAL_MAX) localLookups.delete(localLookups.keys().next().value!);
  return key;
}

/** Gives back a place `reserveLocalKeyLookup` took: the lookup found a live key, or never answered. */
export function releaseLocalKeyLookup(key: string): void {
  const taken = localLookups.get(key) ?? 0;
  if (taken > 1) localLookups.set(key, taken - 1);
  else localLookups.delete(key);
}

/** Decrements KEYS[1] when it is above zero (the hot-path script releases the same way). */
const RELEASE_LUA = `
local held = tonumber(redis.call('GET', KEYS[1]) or '0')
if held and held > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

/**
 * The Redis half of giving a place back, for the one case the priming pipeline does not cover: the
 * lookup did not answer (database unavailable), so it tells nothing about the key. Never below
 * zero and never creates the counter (a DECR on a missing key would leave one without a TTL). One
 * Upstash request, on that error path only; a Redis failure is ignored (the place stays taken).
 */
export async function releaseKeyLookup(cache: Cache, key: string): Promise<void> {
  if (!cache.text) return;
  try {
    await cache.text.eval(RELEASE_LUA, [key], []);
  } catch {
    // The place stays taken until the minute turns.
  }
}
