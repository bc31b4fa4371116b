import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { disablePlugin } from "../../services/plugins/enablement";
import { ENABLE_ACCESS, TAG, WorkspacePluginParams } from "./schemas";

export const disableWorkspacePluginRoute = defineRoute({
  method: "delete",
  path: "/api/workspaces/{workspace_id}/plugins/{plugin_id}",
  operationId: "disableWorkspacePlugin",
  tags: [TAG],
  summary: "Disable a plugin for the workspace",
  description:
    "Removes the plugin from the workspace's agents, deletes the enablement and subtracts one from `enable_count`, in one transaction (reference §2.4); answers how many agent assignments were removed. 404 `plugin_not_enabled`.",
  access: ENABLE_ACCESS,
  request: { params: WorkspacePluginParams },
  responses: {
    200: {
      description: "Disabled",
      content: {
        "application/json": {
          schema: z.object({ plugin_id: z.uuid(), workspace_id: z.uuid(), disabled: z.literal(true), agents_unassigned: z.number().int() }),
        },
      },
    },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerDisableWorkspacePlugin(router: Router) {
  return router.openapi(disableWorkspacePluginRoute, async (c) => {
    const { workspace_id, plugin_id } = c.req.valid("param");
    return c.json(await disablePlugin(c.var.db.pool, workspace_id, plugin_id), 200);
  });
}
