import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { updatePluginPin } from "../../services/plugins/enablement";
import { ENABLE_ACCESS, PermissionsSchema, TAG, UpdatePinBody, WorkspacePluginParams } from "./schemas";

export const updateWorkspacePluginRoute = defineRoute({
  method: "post",
  path: "/api/workspaces/{workspace_id}/plugins/{plugin_id}/update",
  operationId: "updateWorkspacePlugin",
  tags: [TAG],
  summary: "Move the workspace's pin to the offered update (or to the safe version)",
  description: [
    "Without a body (or with `{}`), moves the pin to the row's `update` in the enabled list: the highest approved version above the pin whose status is active or deprecated (design.md §39; never a yanked, quarantined or revoked version, nor a pre-release from a stable pin). With `{version}`, moves it to that version, which must be the offered `update` or the row's `safe_version` (the only downgrade: how a workspace leaves a yanked or quarantined pin when nothing newer is offered). The next assembled context of the workspace's agents uses the new version.",
    "Errors: 400 `version_not_offered` when `version` is neither the offered update nor the safe version; 404 `plugin_not_enabled`; 404 `plugin_not_found` when the plugin is inactive; 409 `up_to_date` when there is nowhere to move (its detail names the safe version when that is lower); 409 `permissions_not_accepted` when the target asks for more than the workspace accepted and `accept_permissions` is missing, or when a sent `accept_permissions` is not the target's `permissions_hash` (the pin does not move; the problem carries `permissions`, `permissions_hash` and `permission_changes`; design.md §42). Workspace admins/owners or keys with `plugins:enable`.",
  ].join("\n\n"),
  access: ENABLE_ACCESS,
  request: {
    params: WorkspacePluginParams,
    body: { required: false, content: { "application/json": { schema: UpdatePinBody } } },
  },
  responses: {
    200: {
      description: "Pin moved",
      content: {
        "application/json": {
          schema: z.object({
            plugin_id: z.uuid(),
            workspace_id: z.uuid(),
            version: z.string(),
            version_id: z.uuid(),
            changelog: z.string().nullable(),
            permissions: PermissionsSchema.openapi({ description: "The permissions the workspace has accepted after the move." }),
            permissions_hash: z.string(),
          }),
        },
      },
    },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerUpdateWorkspacePlugin(router: Router) {
  return router.openapi(updateWorkspacePluginRoute, async (c) => {
    const { workspace_id, plugin_id } = c.req.valid("param");
    const body = c.req.valid("json") as { version?: string; accept_permissions?: string } | undefined;
    return c.json(await updatePluginPin(c.var.db.pool, workspace_id, plugin_id, c.var.actor, body?.version, body?.accept_permissions), 200);
  });
}
