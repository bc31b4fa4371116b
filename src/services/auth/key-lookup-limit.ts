import type { Cache } from "../../clients/cache";
import { ApiError } from "../../lib/errors";
import { isolateCaches } from "../../lib/isolate-caches";

/**
 * Failed API-key lookups, limited per client address (issue 26 item 9). The key's CRC-32 checksum
 * catches typos, not guesses: anyone can make up a key with a valid checksum, and until now each
 * one cost a database query with no limit (rate limits are per key, and a made-up key has none).
 * Every lookup that goes to the database and fails (no such key, revoked, creator lost the role)
 * now counts against the caller's address for the current clock minute; once an address reaches
 * `API_KEY_LOOKUP_FAILURES_PER_MINUTE` (default 20), its uncached key lookups are answered 429
 * `api_key_lookups_limited` before the database. A key whose principal is cached (any key used in
 * the last 60 s) is never refused for it: the hot path reads it without a lookup.
 *
 * Why not an unforgeable (HMAC) checksum instead: keys minted before would fail it, so either every
 * existing key breaks or a CRC fallback keeps the hole open; a per-address limit keeps every key
 * valid and needs no new secret.
 *
 * The count lives in Redis (shared by all isolates) and, as a floor for when Redis is down or
 * refusing writes, in this isolate's memory: the larger of the two decides.
 */
export const DEFAULT_KEY_LOOKUP_FAILURES_PER_MINUTE = 20;

const WINDOW_MS = 60_000;
/** The counter outlives its minute a little, so a late INCR never leaves a key without a TTL. */
const COUNTER_TTL_SECONDS = 120;

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

/** The Redis counter of an address's failures in the minute holding `now`. */
export function keyLookupFailureKey(bucket: string, now = Date.now()): string {
  return `auth:key-failures:${bucket}:${Math.floor(now / WINDOW_MS)}`;
}

/**
 * This isolate's own counts, per address and minute: the floor that holds while Redis is down or
 * refuses writes. Isolate scope on purpose (it must outlive a request); bounded, oldest first out.
 */
const localFailures = new Map<string, number>();
const LOCAL_MAX = 10_000;
isolateCaches.register("failed key lookups", () => localFailures.clear());

/** What the caller's address has failed this minute, as far as this isolate knows. */
export function localKeyLookupFailures(bucket: string, now = Date.now()): number {
  return localFailures.get(keyLookupFailureKey(bucket, now)) ?? 0;
}

/**
 * Counts one failed lookup for the address: in this isolate, and in Redis (INCR with a TTL, one
 * Upstash request, awaited so the next request already sees it; a Redis failure is ignored, the
 * isolate's count still holds).
 */
export async function recordKeyLookupFailure(cache: Cache, bucket: string, now = Date.now()): Promise<void> {
  const key = keyLookupFailureKey(bucket, now);
  const seen = localFailures.get(key) ?? 0;
  // Re-inserted, so the map's order is last-used and the oldest minute leaves first.
  localFailures.delete(key);
  localFailures.set(key, seen + 1);
  if (localFailures.size > LOCAL_MAX) localFailures.delete(localFailures.keys().next().value!);
  if (!cache.redis) return;
  try {
    await cache.redis.pipeline().incr(key).expire(key, COUNTER_TTL_SECONDS).exec();
  } catch {
    // The isolate's count stands in (see above).
  }
}

/**
 * Refuses the lookup when the address has reached the limit this minute. Raises 429
 * `api_key_lookups_limited` with Retry-After (seconds to the end of the minute).
 */
export function checkKeyLookupFailures(failures: number, limit: number, now = Date.now()): void {
  if (failures < limit) return;
  const retryAfter = Math.max(1, Math.ceil((WINDOW_MS - (now % WINDOW_MS)) / 1000));
  throw new ApiError(
    429,
    "api_key_lookups_limited",
    `Too many requests with unknown or revoked API keys from this address; try again in ${retryAfter} s.`,
    { headers: { "Retry-After": String(retryAfter) } },
  );
}
