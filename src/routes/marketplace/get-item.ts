import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { catalogItemDetail } from "../../services/catalog";
import { respondWithCatalog } from "./respond";
import { CATALOG_ACCESS, CatalogItemDetailSchema, NOT_MODIFIED } from "./schemas";

export const getItemRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/items/{id}",
  tags: ["Catalog"],
  summary: "An item with its dependencies and version history",
  access: CATALOG_ACCESS,
  request: { params: z.object({ id: z.uuid() }) },
  responses: {
    200: { description: "The item", content: { "application/json": { schema: CatalogItemDetailSchema } } },
    ...NOT_MODIFIED,
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerGetItem(router: Router) {
  router.openapi(getItemRoute, (c) => {
    const { id } = c.req.valid("param");
    return respondWithCatalog(c, (admin) => catalogItemDetail(c.var.db.http, id, { admin }));
  });
}
