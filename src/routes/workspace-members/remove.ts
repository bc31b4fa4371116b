import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireUser, requireWorkspace } from "../../services/auth/principal";
import { removeWorkspaceMember } from "../../services/workspaces";
import { WorkspaceIdParam } from "../workspaces/schemas";

const RemovedMember = z
  .object({
    user_id: z.uuid(),
    revoked_api_keys: z.number().int().min(0).openapi({ description: "API keys the member had created in this workspace, revoked with the removal." }),
  })
  .openapi("RemovedMember");

export const removeMemberRoute = defineRoute({
  method: "delete",
  path: "/api/workspaces/{workspace_id}/members/{user_id}",
  operationId: "removeWorkspaceMember",
  tags: ["Workspaces"],
  summary: "Remove a member, or leave the workspace (the last owner stays)",
  description:
    "Any member may remove themselves; removing another member needs the admin role (an owner, the owner role). " +
    "Every API key the member created in this workspace is revoked in the same transaction, and the response says how many. " +
    "409 `last_owner` when the last owner would go.",
  // Viewers may call it to leave; the service requires admin to remove anyone else.
  access: { access: "authenticated", scope: null, workspaceScoped: true, role: "viewer" },
  request: { params: WorkspaceIdParam.extend({ user_id: z.uuid() }) },
  responses: {
    200: { description: "Removed", content: { "application/json": { schema: RemovedMember } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerRemoveMember(router: Router) {
  return router.openapi(removeMemberRoute, async (c) => {
    const workspace = requireWorkspace(c.var.workspace);
    const userId = c.req.valid("param").user_id;
    const { revokedApiKeys } = await removeWorkspaceMember(
      c.var.db.pool,
      c.var.cache,
      { workspaceId: workspace.id, userId: requireUser(c.var.principal).id, role: workspace.role! },
      userId,
    );
    return c.json({ user_id: userId, revoked_api_keys: revokedApiKeys }, 200);
  });
}
