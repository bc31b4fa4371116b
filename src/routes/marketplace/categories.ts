import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { catalogCategories } from "../../services/catalog";
import { respondWithCatalog } from "./respond";
import { CATALOG_ACCESS, NOT_MODIFIED } from "./schemas";

const CategorySchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    icon: z.string().nullable(),
    counts: z.record(z.string(), z.number().int()).openapi({ description: "Approved items per type." }),
    total: z.number().int(),
  })
  .openapi("Category");

export const categoriesRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/categories",
  operationId: "listCategories",
  tags: ["Catalog"],
  summary: "Categories with their item counts per type",
  access: CATALOG_ACCESS,
  responses: {
    200: {
      description: "Every category, in display order",
      content: { "application/json": { schema: z.object({ items: z.array(CategorySchema), total: z.number().int() }).openapi("CategoryList") } },
    },
    ...NOT_MODIFIED,
    ...problemResponses(...AUTH_PROBLEMS),
  },
});

export function registerCategories(router: Router) {
  return router.openapi(categoriesRoute, (c) =>
    respondWithCatalog(c, async () => {
      const items = await catalogCategories(c.var.db.http);
      return { items, total: items.length };
    }),
  );
}
