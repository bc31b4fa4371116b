import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, paginated, PaginationQuery, problemResponses } from "../../../lib/openapi";
import { defineRoute } from "../../../lib/route";
import type { Router } from "../../../lib/router";
import { pluginReviewQueue } from "../../../services/plugins/moderation";
import { ADMIN, SeverityCountsSchema } from "./schemas";

const PendingPluginSchema = z
  .object({
    plugin_id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    version_id: z.uuid(),
    version: z.string(),
    security_status: z.string().openapi({ description: "safe | review_required" }),
    created_at: z.string(),
    findings: z.object({ total: z.number().int(), by_severity: SeverityCountsSchema }),
  })
  .openapi("PendingPluginVersion");

export const pendingPluginsRoute = defineRoute({
  method: "get",
  path: "/api/admin/plugins/pending",
  operationId: "listPendingPluginVersions",
  tags: ["Plugins (admin)"],
  summary: "Plugin versions waiting for review, oldest first, with scan verdict and finding counts",
  access: ADMIN,
  request: { query: PaginationQuery },
  responses: {
    200: { description: "Pending plugin versions", content: { "application/json": { schema: paginated(PendingPluginSchema, "PendingPluginList") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerPendingPlugins(router: Router) {
  return router.openapi(pendingPluginsRoute, async (c) => c.json(await pluginReviewQueue(c.var.db.pool, c.req.valid("query")), 200));
}
