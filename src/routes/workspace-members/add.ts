import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { addWorkspaceMember } from "../../services/workspaces";
import { MemberSchema, WORKSPACE_ROLE, WorkspaceIdParam } from "../workspaces/schemas";

const AddMemberBody = z
  .object({ user_id: z.uuid().optional(), email: z.email().optional(), role: WORKSPACE_ROLE })
  .refine((b) => Boolean(b.user_id) !== Boolean(b.email), { message: "Give exactly one of user_id and email.", path: ["user_id"] });

export const addMemberRoute = defineRoute({
  method: "post",
  path: "/api/workspaces/{workspace_id}/members",
  tags: ["Workspaces"],
  summary: "Add an existing user to the workspace",
  access: { access: "authenticated", scope: null, workspaceScoped: true, role: "admin" },
  request: { params: WorkspaceIdParam, body: { required: true, content: { "application/json": { schema: AddMemberBody } } } },
  responses: {
    201: { description: "Added", content: { "application/json": { schema: MemberSchema } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerAddMember(router: Router) {
  router.openapi(addMemberRoute, async (c) => {
    const workspace = requireWorkspace(c.var.workspace);
    const body = c.req.valid("json");
    const member = await addWorkspaceMember(c.var.db.http, { id: workspace.id, role: workspace.role! }, {
      userId: body.user_id,
      email: body.email,
      role: body.role,
    });
    return c.json({ user_id: member.userId, clerk_user_id: member.clerkUserId, email: member.email, name: member.name, role: member.role }, 201);
  });
}
