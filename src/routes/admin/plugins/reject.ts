import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses, RejectionRequest } from "../../../lib/openapi";
import { defineRoute } from "../../../lib/route";
import type { Router } from "../../../lib/router";
import { rejectPlugin } from "../../../services/plugins/moderation";
import { ADMIN, PluginIdParam, pluginDeps } from "./schemas";

export const rejectPluginRoute = defineRoute({
  method: "post",
  path: "/api/admin/plugins/{plugin_id}/reject",
  operationId: "rejectPlugin",
  tags: ["Plugins (admin)"],
  summary: "Reject a pending plugin version with a reason (default: the newest pending one)",
  description: "404 `plugin_not_found`; 409 `invalid_transition` when nothing (or not that version) is pending. Audit row in the same transaction.",
  access: ADMIN,
  request: {
    params: PluginIdParam,
    body: {
      required: true,
      content: { "application/json": { schema: RejectionRequest } },
    },
  },
  responses: {
    200: {
      description: "Rejected",
      content: {
        "application/json": {
          schema: z.object({ plugin_id: z.uuid(), version: z.string(), approval_status: z.literal("rejected"), reason: z.string() }),
        },
      },
    },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerRejectPlugin(router: Router) {
  return router.openapi(rejectPluginRoute, async (c) => {
    const { reason, version } = c.req.valid("json");
    return c.json(await rejectPlugin(pluginDeps(c), c.req.valid("param").plugin_id, reason, version), 200);
  });
}
