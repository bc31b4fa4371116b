import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { isPlatformAdmin } from "../../services/auth/principal";
import { CATALOG_MAX_AGE_SECONDS, cachedCatalogResponse, catalogFillBudget, catalogFillSubject, catalogRequestKey, type FillBudget } from "../../services/catalog-cache";

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((candidate) => candidate.trim().replace(/^W\//, "") === etag);
}

/** Who pays for a page this request stores, and how many new pages a minute it may store (issue 26 item 4). */
export function catalogFillOf(c: Context<AppEnv>): FillBudget {
  return { subject: catalogFillSubject(c.var.principal), budget: catalogFillBudget(c.env.CATALOG_CACHE_FILLS_PER_MINUTE) };
}

/**
 * Answers a catalog read. For non-admins the answer does not depend on who asks, so it is served
 * from the generation-keyed cache (keyed by the route and its validated request: catalogRequestKey; stored within the caller's fill budget) with an ETag (If-None-Match → 304); admins, who also see
 * unapproved items, always get a fresh, uncached answer.
 */
export async function respondWithCatalog(c: Context<AppEnv>, compute: (admin: boolean) => Promise<unknown>) {
  c.header("Vary", "Authorization, X-API-Key");
  if (isPlatformAdmin(c.var.principal)) {
    c.header("Cache-Control", "private, no-store");
    return c.json(await compute(true), 200);
  }
  // The access gate already built this request's key for its one Redis round trip; build it only without one.
  const key = c.var.catalogPrefetch?.key ?? (await catalogRequestKey(c));
  if (key === null) {
    // Not reached: the validators refuse what the key builder refuses. Answer, uncached.
    c.header("Cache-Control", "private, no-store");
    return c.json(await compute(false), 200);
  }
  const response = await cachedCatalogResponse(c.var.cache, key, () => compute(false), (work) => c.executionCtx.waitUntil(work), c.var.catalogPrefetch, catalogFillOf(c));
  c.header("ETag", response.etag);
  c.header("Cache-Control", `private, max-age=${CATALOG_MAX_AGE_SECONDS}`);
  c.header("X-Cache", response.fromCache ? "hit" : "miss");
  if (matchesEtag(c.req.header("if-none-match"), response.etag)) return c.body(null, 304);
  return c.body(response.body, 200, { "Content-Type": "application/json; charset=UTF-8" });
}
