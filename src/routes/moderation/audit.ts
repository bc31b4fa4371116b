import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { auditTrail } from "../../services/moderation";
import { ADMIN } from "./schemas";

const AuditEntrySchema = z
  .object({
    id: z.uuid(),
    actor_type: z.string(),
    actor_id: z.uuid().nullable(),
    action: z.string(),
    target_type: z.string(),
    target_id: z.uuid(),
    reason: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    request_id: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("AuditEntry");

export const auditRoute = defineRoute({
  method: "get",
  path: "/api/admin/audit",
  operationId: "listAuditEvents",
  tags: ["Admin"],
  summary: "The audit log, newest first, filterable",
  access: ADMIN,
  request: {
    query: PaginationQuery.extend({
      action: z.string().max(50).optional(),
      target_id: z.uuid().optional(),
      actor_id: z.uuid().optional(),
    }),
  },
  responses: {
    200: { description: "Entries", content: { "application/json": { schema: paginated(AuditEntrySchema, "AuditList") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerAudit(router: Router) {
  return router.openapi(auditRoute, async (c) => {
    const { action, target_id: targetId, actor_id: actorId, ...page } = c.req.valid("query");
    return c.json(await auditTrail(c.var.db.http, { action, targetId, actorId }, page), 200);
  });
}
