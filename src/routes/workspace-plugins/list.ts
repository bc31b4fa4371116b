import { AUTH_PROBLEMS, pageOf, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { listEnabledPlugins } from "../../services/plugins/enablement";
import { EnabledPluginSchema, ENABLE_ACCESS, TAG, WorkspaceParam } from "./schemas";

export const listWorkspacePluginsRoute = defineRoute({
  method: "get",
  path: "/api/workspaces/{workspace_id}/plugins",
  operationId: "listWorkspacePlugins",
  tags: [TAG],
  summary: "The workspace's enabled plugins, with available updates",
  description:
    "`{items, total, limit, offset}`, newest enablement first. Each item names its pinned version with its `version_status` (active, deprecated, yanked or quarantined: a workspace pinned to a taken-down version learns it here) and `status_message` (deprecation and yank notices only), and the update fields of design.md §39: `update` and `update_available` (a newer approved version that is active or deprecated; it never reaches the workspace by itself, design.md §8), `latest_version`, `listed_version`, `safe_version`, and `update_details` (the update's id and changelog). Workspace admins/owners or keys with `plugins:enable`.",
  access: ENABLE_ACCESS,
  request: { params: WorkspaceParam, query: PaginationQuery },
  responses: {
    200: { description: "Enabled plugins", content: { "application/json": { schema: paginated(EnabledPluginSchema, "EnabledPluginPage") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerListWorkspacePlugins(router: Router) {
  return router.openapi(listWorkspacePluginsRoute, async (c) => {
    const { items } = await listEnabledPlugins(c.var.db.http, c.req.valid("param").workspace_id);
    return c.json(pageOf(items, c.req.valid("query")), 200);
  });
}
