import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { enablePlugin } from "../../services/plugins/enablement";
import { ENABLE_ACCESS, EnableBody, PermissionsSchema, TAG, WorkspaceParam } from "./schemas";

export const enableWorkspacePluginRoute = defineRoute({
  method: "post",
  path: "/api/workspaces/{workspace_id}/plugins",
  operationId: "enableWorkspacePlugin",
  tags: [TAG],
  summary: "Enable a marketplace plugin for the workspace",
  description:
    "Body `{plugin_id, accept_permissions?}`. Pins the plugin's listed version (design.md §8, §34: the highest approved stable version that is active or deprecated, else such a pre-release; never a yanked, quarantined or revoked one) and adds one to its `enable_count` in the same transaction. 201 with the pinned version; 404 `plugin_not_found` when the plugin is unknown, pending, inactive or hidden (no approved version active, deprecated or yanked); 409 `no_installable_version` when it is listed but every approved version is yanked; 409 `permissions_not_accepted` when the version asks for permissions and `accept_permissions` is missing or is not its `permissions_hash` (the problem carries `permissions`, `permissions_hash` and `permission_changes` to show the user; design.md §42); 409 `plugin_already_enabled` (the primary key decides). Workspace admins/owners or keys with `plugins:enable`.",
  access: ENABLE_ACCESS,
  request: { params: WorkspaceParam, body: { required: true, content: { "application/json": { schema: EnableBody } } } },
  responses: {
    201: {
      description: "Enabled",
      content: {
        "application/json": {
          schema: z.object({
            plugin_id: z.uuid(),
            workspace_id: z.uuid(),
            slug: z.string(),
            name: z.string(),
            version: z.string(),
            enabled_at: z.string(),
            permissions: PermissionsSchema.openapi({ description: "The permissions accepted with this enablement." }),
            permissions_hash: z.string(),
          }),
        },
      },
    },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerEnableWorkspacePlugin(router: Router) {
  return router.openapi(enableWorkspacePluginRoute, async (c) =>
    c.json(await enablePlugin(c.var.db.pool, c.req.valid("param").workspace_id, c.req.valid("json").plugin_id, c.var.actor, c.req.valid("json").accept_permissions), 201),
  );
}
