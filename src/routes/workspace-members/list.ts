import { AUTH_PROBLEMS, pageOf, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { listWorkspaceMembers } from "../../services/workspaces";
import { MemberSchema, WorkspaceIdParam } from "../workspaces/schemas";

export const listMembersRoute = defineRoute({
  method: "get",
  path: "/api/workspaces/{workspace_id}/members",
  operationId: "listWorkspaceMembers",
  tags: ["Workspaces"],
  summary: "List a workspace's members",
  access: { access: "authenticated", scope: null, workspaceScoped: true, role: "viewer" },
  request: { params: WorkspaceIdParam, query: PaginationQuery },
  responses: {
    200: { description: "Members", content: { "application/json": { schema: paginated(MemberSchema, "MemberList") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerListMembers(router: Router) {
  return router.openapi(listMembersRoute, async (c) => {
    const workspace = requireWorkspace(c.var.workspace);
    const rows = await listWorkspaceMembers(c.var.db.http, workspace.id);
    const items = rows.map((m) => ({ user_id: m.userId, clerk_user_id: m.clerkUserId, email: m.email, name: m.name, role: m.role }));
    return c.json(pageOf(items, c.req.valid("query")), 200);
  });
}
