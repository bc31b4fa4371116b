import type { Cache } from "../clients/cache";
import { contentSha256 } from "../domain/content-hash";

/**
 * Catalog responses are cached under the query and a generation number kept in Redis
 * (design.md §15). Every write that changes what the catalog shows calls `invalidateCatalog`,
 * the one invalidation path: bumping the generation makes every cached page stale at once.
 */
export const CATALOG_GENERATION_KEY = "catalog:generation";
/** Also the most that install counts may lag. */
export const CATALOG_MAX_AGE_SECONDS = 60;

export async function invalidateCatalog(cache: Cache): Promise<void> {
  await cache.incr(CATALOG_GENERATION_KEY);
}

export interface StoredResponse {
  generation: number;
  etag: string;
  body: string;
}

export interface CatalogResponse {
  body: string;
  etag: string;
  fromCache: boolean;
}

async function etagOf(generation: number, body: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  const hex = [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `"g${generation}-${hex}"`;
}

/**
 * What the access gate already read for this request in its one Redis round trip
 * (services/hot-path.ts); `unavailable` when that call failed, so the cache is not tried again.
 */
export type Prefetched = { key: string; generation: number; stored: StoredResponse | null } | { key: string; unavailable: true };

/**
 * The answer for `key` in the current generation: from Redis if stored, else computed and stored.
 * With `prefetched` for the same key, Redis is not read again.
 */
export async function cachedCatalogResponse(
  cache: Cache,
  key: string,
  compute: () => Promise<unknown>,
  defer: (work: Promise<unknown>) => void,
  prefetched?: Prefetched,
): Promise<CatalogResponse> {
  let generation: number | null;
  let stored: StoredResponse | null;
  if (prefetched?.key === key) {
    [generation, stored] = "unavailable" in prefetched ? [null, null] : [prefetched.generation, prefetched.stored];
  } else {
    // Issued together, so the client sends both GETs in one round trip.
    [generation, stored] = await Promise.all([cache.get<number>(CATALOG_GENERATION_KEY), cache.get<StoredResponse>(key)]);
  }
  const current = Number(generation ?? 0);
  if (stored && stored.generation === current) return { body: stored.body, etag: stored.etag, fromCache: true };
  const body = JSON.stringify(await compute());
  const etag = await etagOf(current, body);
  if (cache.enabled) defer(cache.set(key, { generation: current, etag, body }, CATALOG_MAX_AGE_SECONDS));
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
