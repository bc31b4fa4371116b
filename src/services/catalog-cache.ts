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

interface StoredResponse {
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

/** The answer for `key` (from {@link catalogKey}) in the current generation: from Redis if stored, else computed and stored. */
export async function cachedCatalogResponse(
  cache: Cache,
  key: string,
  compute: () => Promise<unknown>,
  defer: (work: Promise<unknown>) => void,
): Promise<CatalogResponse> {
  // Issued together, so the client sends both GETs in one round trip.
  const [generation, stored] = await Promise.all([cache.get<number>(CATALOG_GENERATION_KEY), cache.get<StoredResponse>(key)]);
  const current = Number(generation ?? 0);
  if (stored && stored.generation === current) return { body: stored.body, etag: stored.etag, fromCache: true };
  const body = JSON.stringify(await compute());
  const etag = await etagOf(current, body);
  if (cache.enabled) defer(cache.set(key, { generation: current, etag, body }, CATALOG_MAX_AGE_SECONDS));
  return { body, etag, fromCache: false };
}

/**
 * The cache key of a catalog answer: the route's name and a SHA-256 of the canonical JSON of its
 * parsed parameters (issue 9 item 1). Parsed, so `?search=a%26type%3Db` (one search string) and
 * `?search=a&type=b` (two parameters) are different values before anything is joined; canonical
 * JSON (sorted keys, quoted strings, undefined dropped) is injective on such values, so two
 * parameter sets share a key only when they are equal. Key: `catalog:<route>:<64 hex digits>`.
 */
export async function catalogKey(route: string, params: Record<string, unknown>): Promise<string> {
  return `catalog:${route}:${await contentSha256({ route, params })}`;
}
