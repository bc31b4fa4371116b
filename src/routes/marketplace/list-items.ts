import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { listCatalog } from "../../services/catalog";
import { respondWithCatalog } from "./respond";
import { CATALOG_ACCESS, CatalogListSchema, ItemTypeSchema, NOT_MODIFIED } from "./schemas";

const tagList = z.preprocess(
  (value) => (value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(","))),
  z.array(z.string().trim().min(1).max(50)).max(10).optional(),
);

export const ListItemsQuery = PaginationQuery.extend({
  type: ItemTypeSchema.optional(),
  category: z.string().trim().min(1).max(100).optional().openapi({ description: "A category slug or name." }),
  search: z.string().trim().min(1).max(200).optional(),
  featured: z.enum(["true", "false"]).optional(),
  tags: tagList.openapi({ type: "string", description: "Comma-separated (or repeated); every tag must match." }),
  sort: z.enum(["popular", "newest", "name", "relevance"]).optional().openapi({ description: "Default: relevance when searching, else popular." }),
});

export const listItemsRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/items",
  tags: ["Catalog"],
  summary: "Browse and search the catalog (all five types)",
  access: CATALOG_ACCESS,
  request: { query: ListItemsQuery },
  responses: {
    200: { description: "A page of items", content: { "application/json": { schema: CatalogListSchema } } },
    ...NOT_MODIFIED,
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerListItems(router: Router) {
  router.openapi(listItemsRoute, (c) => {
    const query = c.req.valid("query");
    const params = { ...query, featured: query.featured === undefined ? undefined : query.featured === "true" };
    return respondWithCatalog(c, (admin) => listCatalog(c.var.db.http, params, { admin }));
  });
}
