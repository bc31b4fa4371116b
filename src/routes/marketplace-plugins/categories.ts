import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { pluginCategories } from "../../services/plugins/catalog";
import { respondWithCatalog } from "../marketplace/respond";
import { CATALOG_ACCESS, NOT_MODIFIED } from "../marketplace/schemas";
import { PLUGINS_TAG, PluginCategorySchema } from "./schemas";

export const pluginCategoriesRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/plugins/categories",
  operationId: "listPluginCategories",
  tags: [PLUGINS_TAG],
  summary: "Plugin categories with their plugin counts",
  description:
    "Every plugin category ordered by `sort_order`, then name: `{items: [{id, slug, name, description, icon, sort_order, parent_id, plugin_count}], total}`. `plugin_count` counts active plugins with an approved version (what non-admins can list), the same for every caller. Cached with the catalog generation and an ETag like the plugin list (304 on `If-None-Match`).",
  access: CATALOG_ACCESS,
  responses: {
    200: {
      description: "Every category, in display order",
      content: { "application/json": { schema: z.object({ items: z.array(PluginCategorySchema), total: z.number().int() }).openapi("PluginCategoryList") } },
    },
    ...NOT_MODIFIED,
    ...problemResponses(...AUTH_PROBLEMS),
  },
});

export function registerPluginCategories(router: Router) {
  return router.openapi(pluginCategoriesRoute, (c) =>
    respondWithCatalog(c, async () => {
      const items = await pluginCategories(c.var.db.http);
      return { items, total: items.length };
    }),
  );
}
