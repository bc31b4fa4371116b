import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { isPlatformAdmin } from "../../services/auth/principal";
import { CATALOG_MAX_AGE_SECONDS, cachedCatalogResponse, catalogRequestKey } from "../../services/catalog-cache";

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((candidate) => candidate.trim().replace(/^W\//, "") === etag);
}

/**
 * Answers a catalog read. For non-admins the answer does not depend on who asks, so it is served
 * from the generation-keyed cache (keyed by the request's path and query) with an ETag (If-None-Match → 304); admins, who also see
 * unapproved items, always get a fresh, uncached answer.
 */
export async function respondWithCatalog(c: Context<AppEnv>, compute: (admin: boolean) => Promise<unknown>) {
  c.header("Vary", "Authorization, X-API-Key");
  if (isPlatformAdmin(c.var.principal)) {
    c.header("Cache-Control", "private, no-store");
    return c.json(await compute(true), 200);
  }
  // The access gate already hashed this URL for its one Redis round trip; hash it only without one.
  const key = c.var.catalogPrefetch?.key ?? (await catalogRequestKey(c.req.url));
  const response = await cachedCatalogResponse(c.var.cache, key, () => compute(false), (work) => c.executionCtx.waitUntil(work), c.var.catalogPrefetch);
  c.header("ETag", response.etag);
  c.header("Cache-Control", `private, max-age=${CATALOG_MAX_AGE_SECONDS}`);
  c.header("X-Cache", response.fromCache ? "hit" : "miss");
  if (matchesEtag(c.req.header("if-none-match"), response.etag)) return c.body(null, 304);
  return c.body(response.body, 200, { "Content-Type": "application/json; charset=UTF-8" });
}
