import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { changeMemberRole } from "../../services/workspaces";
import { WORKSPACE_ROLE, WorkspaceIdParam } from "../workspaces/schemas";

const ChangedMember = z
  .object({
    user_id: z.uuid(),
    role: WORKSPACE_ROLE,
    revoked_api_keys: z.number().int().min(0).openapi({ description: "API keys the member had created here, revoked because the new role cannot create keys." }),
  })
  .openapi("ChangedMember");

export const changeMemberRoleRoute = defineRoute({
  method: "patch",
  path: "/api/workspaces/{workspace_id}/members/{user_id}",
  operationId: "changeWorkspaceMemberRole",
  tags: ["Workspaces"],
  summary: "Change a member's role",
  description:
    "The new role is at most the caller's own; only an owner changes an owner's role (403 `insufficient_role`), and the " +
    "last owner stays (409 `last_owner`). A member moved below admin loses every API key they created in this " +
    "workspace, revoked in the same transaction; the response says how many.",
  access: { access: "authenticated", scope: null, workspaceScoped: true, role: "admin" },
  request: {
    params: WorkspaceIdParam.extend({ user_id: z.uuid() }),
    body: { required: true, content: { "application/json": { schema: z.object({ role: WORKSPACE_ROLE }) } } },
  },
  responses: {
    200: { description: "Changed", content: { "application/json": { schema: ChangedMember } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerChangeMemberRole(router: Router) {
  return router.openapi(changeMemberRoleRoute, async (c) => {
    const workspace = requireWorkspace(c.var.workspace);
    const { user_id: userId } = c.req.valid("param");
    const { role } = c.req.valid("json");
    const { revokedApiKeys } = await changeMemberRole(c.var.db.pool, c.var.cache, { workspaceId: workspace.id, role: workspace.role! }, userId, role);
    return c.json({ user_id: userId, role, revoked_api_keys: revokedApiKeys }, 200);
  });
}
