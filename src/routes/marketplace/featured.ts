import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { featuredCatalog } from "../../services/catalog";
import { respondWithCatalog } from "./respond";
import { CATALOG_ACCESS, CatalogListSchema, NOT_MODIFIED } from "./schemas";

const DEFAULT_FEATURED_LIMIT = 8;

export const featuredRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/featured",
  operationId: "listFeaturedItems",
  tags: ["Catalog"],
  summary: "Featured items of every type, most popular first",
  access: CATALOG_ACCESS,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(20).optional().openapi({ description: "1–20; default 8 (FEATURED_DEFAULT_LIMIT)" }),
    }),
  },
  responses: {
    200: { description: "Featured items", content: { "application/json": { schema: CatalogListSchema } } },
    ...NOT_MODIFIED,
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerFeatured(router: Router) {
  return router.openapi(featuredRoute, (c) => {
    const configured = Number(c.env.FEATURED_DEFAULT_LIMIT);
    const fallback = Number.isInteger(configured) && configured >= 1 && configured <= 20 ? configured : DEFAULT_FEATURED_LIMIT;
    const limit = c.req.valid("query").limit ?? fallback;
    return respondWithCatalog(c, (admin) => featuredCatalog(c.var.db.http, limit, { admin }));
  });
}
