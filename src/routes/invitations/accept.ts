import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireUser } from "../../services/auth/principal";
import { acceptInvitation } from "../../services/workspaces";
import { WORKSPACE_ROLE } from "../workspaces/schemas";

const Joined = z.object({ workspace_id: z.uuid(), role: WORKSPACE_ROLE }).openapi("AcceptedInvitation");

export const acceptInvitationRoute = defineRoute({
  method: "post",
  path: "/api/invitations/{invitation_id}/accept",
  operationId: "acceptInvitation",
  tags: ["Workspaces"],
  summary: "Accept an invitation addressed to my e-mail and join the workspace",
  description:
    "Joins with the invited role and deletes the invitation, in one transaction; a user who is already a member " +
    "keeps their role. 404 `invitation_not_found` for an unknown invitation or one addressed to another e-mail.",
  access: { access: "authenticated", scope: null, workspaceScoped: false },
  request: { params: z.object({ invitation_id: z.uuid() }) },
  responses: {
    200: { description: "Joined", content: { "application/json": { schema: Joined } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerAcceptInvitation(router: Router) {
  return router.openapi(acceptInvitationRoute, async (c) => {
    const joined = await acceptInvitation(c.var.db.pool, requireUser(c.var.principal), c.req.valid("param").invitation_id);
    return c.json({ workspace_id: joined.workspaceId, role: joined.role }, 200);
  });
}
