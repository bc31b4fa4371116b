import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { createWorkspace } from "../../services/workspaces";
import { requireUser } from "../../services/auth/principal";
import { WorkspaceSchema } from "./schemas";

const CreateWorkspaceBody = z.object({
  name: z.string().trim().min(1).max(200),
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).optional(),
});

export const createWorkspaceRoute = defineRoute({
  method: "post",
  path: "/api/workspaces",
  operationId: "createWorkspace",
  tags: ["Workspaces"],
  summary: "Create a workspace (the creator becomes its owner)",
  access: { access: "authenticated", scope: null, workspaceScoped: false },
  request: { body: { required: true, content: { "application/json": { schema: CreateWorkspaceBody } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: WorkspaceSchema } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerCreateWorkspace(router: Router) {
  return router.openapi(createWorkspaceRoute, async (c) => {
    const user = requireUser(c.var.principal);
    const workspace = await createWorkspace(c.var.db.pool, user.id, c.req.valid("json"));
    return c.json(
      { id: workspace.id, name: workspace.name, slug: workspace.slug, role: workspace.role, created_at: workspace.createdAt.toISOString() },
      201,
    );
  });
}
