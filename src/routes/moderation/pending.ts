import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { reviewQueue } from "../../services/moderation";
import { SubmissionSummarySchema } from "../marketplace/schemas";
import { ADMIN } from "./schemas";

const PendingSchema = SubmissionSummarySchema.extend({
  publisher: z.string().nullable(),
  new_item: z.boolean(),
}).openapi("PendingSubmission");

export const pendingRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/admin/pending",
  operationId: "listPendingItems",
  tags: ["Moderation"],
  summary: "The review queue, oldest first",
  access: ADMIN,
  request: { query: PaginationQuery },
  responses: {
    200: { description: "Pending versions", content: { "application/json": { schema: paginated(PendingSchema, "PendingList") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerPending(router: Router) {
  return router.openapi(pendingRoute, async (c) => c.json(await reviewQueue(c.var.db.http, c.req.valid("query")), 200));
}
