import type { Cache } from "../clients/cache";
import { contentSha256 } from "../domain/content-hash";
import { parseReply } from "../lib/redis-reply";

/**
 * Catalog responses are cached under the query and a generation kept in Redis (design.md §15).
 * Every write that changes what the catalog shows calls `invalidateCatalog`, the one invalidation
 * path: replacing the generation makes every cached page (and assembled context, whose tag carries
 * it: plugins/context-cache.ts) stale at once.
 *
 * The generation is a random token, never a counter. Were the key evicted (Redis under memory
 * pressure, a flush, a lost replica), a counter would read as absent, then 1, 2, … again, and
 * entries built under those old numbers would become current again: stale pages and contexts
 * served. A token is fresh each time: when the key is absent, the first reader stores a new one
 * (in the same atomic script as its read, `catalogGenerationLua`) and uses what is then stored,
 * so an absent key matches no entry ever written.
 */
export const CATALOG_GENERATION_KEY = "catalog:generation";
/**
 * How long a generation token lives without a write: twice the longest-lived entry that depends on
 * it (assembled contexts, CONTEXT_TTL_SECONDS = 3600 s; catalog pages live 60 s). Expiry is always safe (the next reader draws a new token, so
 * entries only miss); the TTL only bounds how often a quiet catalog pays that one round of misses
 * and keeps the key evictable under a volatile-* policy. Not imported from context-cache.ts, which
 * imports this module.
 */
export const CATALOG_GENERATION_TTL_SECONDS = 2 * 3600;
/** Also the most that install counts may lag. */
export const CATALOG_MAX_AGE_SECONDS = 60;

/**
 * Deletes the generation: the next reader stores a fresh token (catalogGenerationLua), so every
 * entry built under the old one is stale. A `DEL`, never a `SET`: Redis accepts a `DEL` even at
 * `maxmemory`, where a `SET` is refused with OOM and the old generation would stay (design.md §29).
 */
export async function invalidateCatalog(cache: Cache): Promise<void> {
  await cache.del(CATALOG_GENERATION_KEY);
}

/**
 * Lua for a script that reads the generation: sets the local `generation` to the stored token,
 * storing `token` (with `ttl` seconds) first when the key is absent. A script runs atomically, so
 * two readers of an absent key cannot store different tokens and each use its own. Each argument
 * is a Lua expression (`KEYS[1]`, `ARGV[2]`).
 */
export function catalogGenerationLua(key: string, token: string, ttl: string): string {
  return `local generation = redis.call('GET', ${key})
if not generation then
  generation = ${token}
  redis.call('SET', ${key}, generation, 'EX', ${ttl})
end`;
}

/** The script's reply value as the token: the client may have parsed it (a legacy counter); absent → null. */
export function generationOf(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return null;
}

export interface StoredResponse {
  generation: string;
  etag: string;
  body: string;
}

/**
 * A stored page as the client returned it (text or already parsed); null when absent or not of
 * this shape (an entry of the counter era, with a numeric generation, is such: it only misses).
 */
export function storedResponseOf(value: unknown): StoredResponse | null {
  const candidate = parseReply(value) as Partial<StoredResponse> | null;
  return candidate && typeof candidate === "object" && typeof candidate.generation === "string" && typeof candidate.etag === "string" && typeof candidate.body === "string"
    ? (candidate as StoredResponse)
    : null;
}

export interface CatalogResponse {
  body: string;
  etag: string;
  fromCache: boolean;
}

/**
 * `"g<first 8 characters of the generation>-<16 hex of the body's SHA-256>"`: short, and it changes
 * with the body and (but for a 1 in 2^32 chance, when the body is the same anyway) with the
 * generation. `"g-<hex>"` when Redis could not say the generation.
 */
async function etagOf(generation: string | null, body: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  const hex = [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `"g${(generation ?? "").slice(0, 8)}-${hex}"`;
}

/**
 * What the access gate already read for this request in its one Redis round trip
 * (services/hot-path.ts); `unavailable` when that call failed, so the cache is not tried again.
 */
export type Prefetched = { key: string; generation: string; stored: StoredResponse | null } | { key: string; unavailable: true };

/**
 * One Upstash request: the generation (created when absent: catalogGenerationLua) and the page.
 * KEYS: generation, page. ARGV: a new token, its TTL in seconds.
 */
const PAGE_SCRIPT = `
${catalogGenerationLua("KEYS[1]", "ARGV[1]", "ARGV[2]")}
return {generation, redis.call('GET', KEYS[2])}
`;

/** The generation and the stored page for `key`; null when Redis is off or failing. */
async function readPage(cache: Cache, key: string): Promise<{ generation: string; stored: StoredResponse | null } | null> {
  if (!cache.redis) return null;
  try {
    const reply = await cache.redis.eval(PAGE_SCRIPT, [CATALOG_GENERATION_KEY, key], [crypto.randomUUID(), CATALOG_GENERATION_TTL_SECONDS]);
    const generation = Array.isArray(reply) ? generationOf(reply[0]) : null;
    return generation === null ? null : { generation, stored: storedResponseOf((reply as unknown[])[1]) };
  } catch {
    return null;
  }
}

/**
 * The answer for `key` in the current generation: from Redis if stored under it, else computed
 * and stored. With `prefetched` for the same key, Redis is not read again. When the generation is
 * unknown (Redis off, failing, or the gate's read failed) the answer is computed and not stored.
 */
export async function cachedCatalogResponse(
  cache: Cache,
  key: string,
  compute: () => Promise<unknown>,
  defer: (work: Promise<unknown>) => void,
  prefetched?: Prefetched,
): Promise<CatalogResponse> {
  const read = prefetched?.key === key ? ("unavailable" in prefetched ? null : prefetched) : await readPage(cache, key);
  if (read?.stored && read.stored.generation === read.generation) return { body: read.stored.body, etag: read.stored.etag, fromCache: true };
  const body = JSON.stringify(await compute());
  const etag = await etagOf(read?.generation ?? null, body);
  if (read) {
    const stored: StoredResponse = { generation: read.generation, etag, body };
    defer(cache.set(key, stored, CATALOG_MAX_AGE_SECONDS));
  }
  return { body, etag, fromCache: false };
}

/**
 * The Redis key of a catalog read (issue 9 item 1, issue 11 item 2): `catalog:<path>:<64 hex>`, the
 * SHA-256 of the canonical JSON of the query's decoded (name, value) pairs, ordered by name with
 * repeated names kept in their order. Taken from the raw URL, not the parsed query, so the access
 * gate can read the page in its one Redis round trip before the route parses anything. JSON quotes
 * every name and value, so `?search=a%26type%3Db` (one pair) and `?search=a&type=b` (two) can never
 * share a key; the answer is a function of the path and these pairs, so equal keys mean equal
 * answers. Two spellings of one query (`?a=1&b=2`, `?b=2&a=1`) share a key; others only miss.
 */
export async function catalogRequestKey(url: string): Promise<string> {
  const { pathname, searchParams } = new URL(url);
  // Array.prototype.sort is stable, so `tags=b&tags=a` keeps its order within the name.
  const pairs = [...searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `catalog:${pathname}:${await contentSha256(pairs)}`;
}
