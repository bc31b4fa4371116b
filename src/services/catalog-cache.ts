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

/** The answer for `key` in the current generation: from Redis if stored, else computed and stored. */
export async function cachedCatalogResponse(
  cache: Cache,
  key: string,
  compute: () => Promise<unknown>,
  defer: (work: Promise<unknown>) => void,
): Promise<CatalogResponse> {
  // Issued together, so the client sends both GETs in one round trip.
  const [generation, stored] = await Promise.all([cache.get<number>(CATALOG_GENERATION_KEY), cache.get<StoredResponse>(`catalog:${key}`)]);
  const current = Number(generation ?? 0);
  if (stored && stored.generation === current) return { body: stored.body, etag: stored.etag, fromCache: true };
  const body = JSON.stringify(await compute());
  const etag = await etagOf(current, body);
  if (cache.enabled) defer(cache.set(`catalog:${key}`, { generation: current, etag, body }, CATALOG_MAX_AGE_SECONDS));
  return { body, etag, fromCache: false };
}

/** A stable cache key for a query: parameters sorted, empty ones dropped. */
export function queryKey(route: string, params: Record<string, unknown>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? [...v].sort().join(",") : String(v)}`)
    .sort();
  return `${route}?${parts.join("&")}`;
}
