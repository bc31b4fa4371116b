import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { updatePluginPin } from "../../services/plugins/enablement";
import { ENABLE_ACCESS, TAG, WorkspacePluginParams } from "./schemas";

export const updateWorkspacePluginRoute = defineRoute({
  method: "post",
  path: "/api/workspaces/{workspace_id}/plugins/{plugin_id}/update",
  operationId: "updateWorkspacePlugin",
  tags: [TAG],
  summary: "Move the workspace's pin to the plugin's latest approved version",
  description:
    "The next assembled context of the workspace's agents uses the new version. 404 `plugin_not_enabled`; 404 `plugin_not_found` when the plugin is no longer approved and active; 409 `up_to_date` when the pin already is the latest approved version.",
  access: ENABLE_ACCESS,
  request: { params: WorkspacePluginParams },
  responses: {
    200: {
      description: "Pin moved",
      content: {
        "application/json": {
          schema: z.object({ plugin_id: z.uuid(), workspace_id: z.uuid(), version: z.string(), version_id: z.uuid(), changelog: z.string().nullable() }),
        },
      },
    },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerUpdateWorkspacePlugin(router: Router) {
  return router.openapi(updateWorkspacePluginRoute, async (c) => {
    const { workspace_id, plugin_id } = c.req.valid("param");
    return c.json(await updatePluginPin(c.var.db.pool, workspace_id, plugin_id, c.var.actor), 200);
  });
}
