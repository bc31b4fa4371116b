import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireUser, requireWorkspace } from "../../services/auth/principal";
import { addWorkspaceMember, inviteByEmail } from "../../services/workspaces";
import { WORKSPACE_ROLE, WorkspaceIdParam } from "../workspaces/schemas";

const AddMemberBody = z
  .object({ user_id: z.uuid().optional(), email: z.email().max(320).optional(), role: WORKSPACE_ROLE })
  .refine((b) => Boolean(b.user_id) !== Boolean(b.email), { message: "Give exactly one of user_id and email.", path: ["user_id"] });

const AddedMember = z.object({ user_id: z.uuid(), role: WORKSPACE_ROLE, status: z.literal("active") }).openapi("AddedMember");
const PendingInvitation = z
  .object({ email: z.string(), role: WORKSPACE_ROLE, status: z.literal("pending") })
  .openapi("PendingInvitation");

export const addMemberRoute = defineRoute({
  method: "post",
  path: "/api/workspaces/{workspace_id}/members",
  operationId: "addWorkspaceMember",
  tags: ["Workspaces"],
  summary: "Add a user by id, or invite an e-mail address",
  description:
    "By `user_id`: the user joins at once (201; 404 `user_not_found`, 409 `already_member`). By `email`: always 202 " +
    "with a pending invitation, whether or not an account with that address exists or is already a member, so the " +
    "answer reveals nothing about accounts; the user signed in with that address sees it in `GET /api/invitations` " +
    "and joins by accepting it. Responses echo only what the request gave. The role granted is at most the caller's " +
    "own (403 `insufficient_role`).",
  access: { access: "authenticated", scope: null, workspaceScoped: true, role: "admin" },
  request: { params: WorkspaceIdParam, body: { required: true, content: { "application/json": { schema: AddMemberBody } } } },
  responses: {
    201: { description: "Added", content: { "application/json": { schema: AddedMember } } },
    202: { description: "Invitation pending", content: { "application/json": { schema: PendingInvitation } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerAddMember(router: Router) {
  return router.openapi(addMemberRoute, async (c) => {
    const workspace = { id: requireWorkspace(c.var.workspace).id, role: c.var.workspace!.role! };
    const body = c.req.valid("json");
    if (body.email) {
      await inviteByEmail(c.var.db.http, workspace, { email: body.email, role: body.role, invitedByUserId: requireUser(c.var.principal).id });
      return c.json({ email: body.email, role: body.role, status: "pending" as const }, 202);
    }
    const member = await addWorkspaceMember(c.var.db.http, workspace, { userId: body.user_id!, role: body.role });
    return c.json({ user_id: member.userId, role: member.role, status: "active" as const }, 201);
  });
}
