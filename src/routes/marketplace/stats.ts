import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { catalogStatistics } from "../../services/catalog";
import { respondWithCatalog } from "./respond";
import { CATALOG_ACCESS, NOT_MODIFIED } from "./schemas";

const StatsSchema = z
  .object({
    total_items: z.number().int(),
    featured_count: z.number().int(),
    total_installs: z.number().int(),
    categories: z.number().int().openapi({ description: "Categories with at least one approved item." }),
  })
  .openapi("CatalogStats");

export const statsRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/stats",
  operationId: "getCatalogStats",
  tags: ["Catalog"],
  summary: "Catalog statistics, computed in the database and cached",
  access: CATALOG_ACCESS,
  responses: {
    200: { description: "Approved items only", content: { "application/json": { schema: StatsSchema } } },
    ...NOT_MODIFIED,
    ...problemResponses(...AUTH_PROBLEMS),
  },
});

export function registerStats(router: Router) {
  // Admins get the same public figures; the answer is cached for everyone else.
  return router.openapi(statsRoute, (c) => respondWithCatalog(c, () => catalogStatistics(c.var.db.http)));
}
