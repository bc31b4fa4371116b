import { AUTH_PROBLEMS, pageOf, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireUser } from "../../services/auth/principal";
import { listMyWorkspaces } from "../../services/workspaces";
import { WorkspaceSchema } from "./schemas";

export const listWorkspacesRoute = defineRoute({
  method: "get",
  path: "/api/workspaces",
  operationId: "listWorkspaces",
  tags: ["Workspaces"],
  summary: "List the workspaces I am a member of, with my role",
  access: { access: "authenticated", scope: null, workspaceScoped: false },
  request: { query: PaginationQuery },
  responses: {
    200: { description: "My workspaces", content: { "application/json": { schema: paginated(WorkspaceSchema, "WorkspaceList") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerListWorkspaces(router: Router) {
  return router.openapi(listWorkspacesRoute, async (c) => {
    const user = requireUser(c.var.principal);
    const rows = await listMyWorkspaces(c.var.db.http, user.id);
    const items = rows.map((w) => ({ id: w.id, name: w.name, slug: w.slug, role: w.role, created_at: w.createdAt.toISOString() }));
    return c.json(pageOf(items, c.req.valid("query")), 200);
  });
}
