import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { pluginDetail } from "../../services/plugins/catalog";
import { respondWithCatalog } from "../marketplace/respond";
import { CATALOG_ACCESS, NOT_MODIFIED } from "../marketplace/schemas";
import { PLUGINS_TAG, PluginDetailSchema, PluginIdParam } from "./schemas";

export const getPluginRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/plugins/{id}",
  operationId: "getPlugin",
  tags: [PLUGINS_TAG],
  summary: "A plugin with its manifest, contents, versions and scan verdict",
  description:
    "The summary fields plus `long_description`, `recommended_models`, `source_type`, `source_url`, the listed version's `manifest`, the `skills`, `commands`, `agents` and `tools` it lists (`{name, description, path}`), `versions` (approved ones with changelogs, highest precedence first; admins see every version with its review and scan state) and `scan` (the listed version's newest verdict with finding counts). 404 `plugin_not_found` for a plugin that does not exist or, for non-admins, is not approved or not active (the original showed deactivated plugins, reference §2.3). 400 `validation_failed` for an id that is not a UUID. Cached for non-admins like the list.",
  access: CATALOG_ACCESS,
  request: { params: PluginIdParam },
  responses: {
    200: { description: "The plugin", content: { "application/json": { schema: PluginDetailSchema } } },
    ...NOT_MODIFIED,
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerGetPlugin(router: Router) {
  return router.openapi(getPluginRoute, (c) => {
    const { id } = c.req.valid("param");
    return respondWithCatalog(c, (admin) => pluginDetail(c.var.db.http, id, { admin }));
  });
}
