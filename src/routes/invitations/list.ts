import { AUTH_PROBLEMS, pageOf, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireUser } from "../../services/auth/principal";
import { listMyInvitations } from "../../services/workspaces";
import { InvitationSchema } from "./schemas";

export const listInvitationsRoute = defineRoute({
  method: "get",
  path: "/api/invitations",
  operationId: "listInvitations",
  tags: ["Workspaces"],
  summary: "List the workspace invitations addressed to my e-mail",
  description:
    "Open invitations for the e-mail address of the signed-in user (from the session token's e-mail claim), newest " +
    "first. Empty when the session carries no e-mail.",
  access: { access: "authenticated", scope: null, workspaceScoped: false },
  request: { query: PaginationQuery },
  responses: {
    200: { description: "Invitations", content: { "application/json": { schema: paginated(InvitationSchema, "InvitationList") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerListInvitations(router: Router) {
  return router.openapi(listInvitationsRoute, async (c) => {
    const rows = await listMyInvitations(c.var.db.http, requireUser(c.var.principal));
    const items = rows.map((r) => ({
      id: r.id,
      workspace: { id: r.workspaceId, name: r.workspaceName },
      role: r.role,
      created_at: r.createdAt.toISOString(),
    }));
    return c.json(pageOf(items, c.req.valid("query")), 200);
  });
}
