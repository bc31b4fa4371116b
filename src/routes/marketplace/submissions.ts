import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { listSubmissions } from "../../services/publishing";
import { VERSION_STATUSES } from "../../domain/version-status";
import { PublisherActionSchema } from "../reports/schemas";
import { SubmissionSummarySchema } from "./schemas";

const SubmissionStatusSchema = SubmissionSummarySchema.extend({
  status: z.enum(["pending", "approved", "rejected", "removed"]),
  rejection_reason: z.string().nullable(),
  reviewed_at: z.string().nullable(),
  version_status: z.enum(VERSION_STATUSES).nullable().openapi({
    description: "The approved version's status (active, deprecated, yanked, quarantined, revoked; design.md §23); null until approved.",
  }),
  status_message: z.string().nullable().openapi({
    description: "The version's status message as stored: the publisher's notice, or the reason a platform admin gave for a quarantine or revoke (design.md §35: the publisher sees it here).",
  }),
  moderation_actions: z.array(PublisherActionSchema).openapi({
    description: "Platform actions taken on this version after reports (issue 29), newest first, each with its note and any appeal with its answer; never who reported. Appeal with `POST /api/marketplace/items/{id}/appeals`.",
  }),
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
