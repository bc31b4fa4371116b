import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { removeWorkspaceMember } from "../../services/workspaces";
import { WorkspaceIdParam } from "../workspaces/schemas";

export const removeMemberRoute = defineRoute({
  method: "delete",
  path: "/api/workspaces/{workspace_id}/members/{user_id}",
  tags: ["Workspaces"],
  summary: "Remove a member (the last owner stays)",
  access: { access: "authenticated", scope: null, workspaceScoped: true, role: "admin" },
  request: { params: WorkspaceIdParam.extend({ user_id: z.uuid() }) },
  responses: { 204: { description: "Removed" }, ...problemResponses(400, 409, ...AUTH_PROBLEMS) },
});

export function registerRemoveMember(router: Router) {
  router.openapi(removeMemberRoute, async (c) => {
    const workspace = requireWorkspace(c.var.workspace);
    await removeWorkspaceMember(c.var.db.pool, { id: workspace.id, role: workspace.role! }, c.req.valid("param").user_id);
    return c.body(null, 204);
  });
}
