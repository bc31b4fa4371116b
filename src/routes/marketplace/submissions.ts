import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { listSubmissions } from "../../services/publishing";
import { SubmissionSummarySchema } from "./schemas";

const SubmissionStatusSchema = SubmissionSummarySchema.extend({
  status: z.enum(["pending", "approved", "rejected", "removed"]),
  rejection_reason: z.string().nullable(),
  reviewed_at: z.string().nullable(),
}).openapi("SubmissionStatus");

export const submissionsRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/submissions",
  operationId: "listSubmissions",
  tags: ["Publishing"],
  summary: "My workspace's submissions and their review status",
  access: { access: "authenticated", scope: "items:read", workspaceScoped: true, role: "viewer" },
  request: { query: PaginationQuery },
  responses: {
    200: { description: "Newest first", content: { "application/json": { schema: paginated(SubmissionStatusSchema, "SubmissionList") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerSubmissions(router: Router) {
  return router.openapi(submissionsRoute, async (c) =>
    c.json(await listSubmissions(c.var.db.http, requireWorkspace(c.var.workspace).id, c.req.valid("query")), 200),
  );
}
