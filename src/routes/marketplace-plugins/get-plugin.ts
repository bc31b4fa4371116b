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
    "The summary fields plus `long_description`, `recommended_models`, `source_type`, `source_url`, the listed version's `manifest`, the `skills`, `commands`, `agents` and `tools` it lists (`{name, description, path}`), `versions` (highest precedence first, each with its `status` and `status_message`, the notice of a deprecated or yanked version; `lifecycle` is a deprecated alias of `status`) and `scan` (the listed version's newest verdict with finding counts). Non-admins see the approved versions that are active, deprecated or yanked: quarantined and revoked versions are absent; admins see every version with its review and scan state. 404 `plugin_not_found` for a plugin that does not exist or, for non-admins, is not visible: inactive, or with no approved version that is active, deprecated or yanked (a plugin whose only approved versions are quarantined is hidden until released; the original showed deactivated plugins, reference §2.3). 400 `validation_failed` for an id that is not a UUID. Cached for non-admins like the list.",
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
