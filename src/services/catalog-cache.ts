import type { Cache } from "../clients/cache";

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
    [generation, stored] = await Promise.all([cache.get<number>(CATALOG_GENERATION_KEY), cache.get<StoredResponse>(`catalog:${key}`)]);
  }
  const current = Number(generation ?? 0);
  if (stored && stored.generation === current) return { body: stored.body, etag: stored.etag, fromCache: true };
  const body = JSON.stringify(await compute());
  const etag = await etagOf(current, body);
  if (cache.enabled) defer(cache.set(`catalog:${key}`, { generation: current, etag, body }, CATALOG_MAX_AGE_SECONDS));
  return { body, etag, fromCache: false };
}

/**
 * The cache key of a catalog read: its path and its query parameters, sorted, empty ones dropped.
 * Taken from the raw URL, not the parsed query, so the access gate can read the page in its one
 * Redis round trip before the route parses anything (issue 11 item 2); two spellings of one query
 * are two entries, which costs only a miss.
 */
export function catalogRequestKey(url: string): string {
  const { pathname, searchParams } = new URL(url);
  const parts = [...searchParams.entries()]
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  return `${pathname}?${parts.join("&")}`;
}
