import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../../lib/openapi";
import { defineRoute } from "../../../lib/route";
import type { Router } from "../../../lib/router";
import { deletePlugin } from "../../../services/plugins/moderation";
import { ADMIN, PluginIdParam, pluginDeps } from "./schemas";

export const deletePluginRoute = defineRoute({
  method: "delete",
  path: "/api/admin/plugins/{plugin_id}",
  operationId: "deletePlugin",
  tags: ["Plugins (admin)"],
  summary: "Delete a plugin: rows, R2 objects and cached catalog pages",
  description:
    "Deletes the plugin with its versions, scans, enablements and assignments plus an audit row in one transaction, then every R2 object under `plugins/{slug}/`, then bumps the catalog generation. 404 `plugin_not_found`.",
  access: ADMIN,
  request: { params: PluginIdParam },
  responses: {
    200: {
      description: "Deleted",
      content: {
        "application/json": {
          schema: z.object({ plugin_id: z.uuid(), slug: z.string(), deleted: z.literal(true), objects_deleted: z.number().int() }),
        },
      },
    },
    ...problemResponses(503, ...AUTH_PROBLEMS),
  },
});

export function registerDeletePlugin(router: Router) {
  return router.openapi(deletePluginRoute, async (c) => c.json(await deletePlugin(pluginDeps(c), c.req.valid("param").plugin_id), 200));
}
