import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../../lib/openapi";
import { defineRoute } from "../../../lib/route";
import type { Router } from "../../../lib/router";
import { deactivatePlugin, reactivatePlugin } from "../../../services/plugins/moderation";
import { ADMIN, PluginIdParam, pluginDeps } from "./schemas";

export const deactivatePluginRoute = defineRoute({
  method: "post",
  path: "/api/admin/plugins/{plugin_id}/deactivate",
  operationId: "deactivatePlugin",
  tags: ["Plugins (admin)"],
  summary: "Take a plugin out of service everywhere",
  description:
    "Removes every workspace enablement and agent assignment, resets enable_count, retires the skills materialised from the plugin, writes an audit row, all in one transaction; then bumps the catalog generation. 409 `invalid_transition` if already inactive.",
  access: ADMIN,
  request: { params: PluginIdParam },
  responses: {
    200: {
      description: "Deactivated",
      content: {
        "application/json": {
          schema: z.object({
            plugin_id: z.uuid(),
            is_active: z.literal(false),
            workspaces_affected: z.number().int(),
            agents_affected: z.number().int(),
            skills_retired: z.number().int().openapi({ description: "Materialised skills taken out of the catalog" }),
          }),
        },
      },
    },
    ...problemResponses(409, ...AUTH_PROBLEMS),
  },
});

export const reactivatePluginRoute = defineRoute({
  method: "post",
  path: "/api/admin/plugins/{plugin_id}/reactivate",
  operationId: "reactivatePlugin",
  tags: ["Plugins (admin)"],
  summary: "Return a deactivated plugin to the marketplace (workspaces must enable it again)",
  description: "409 `invalid_transition` if already active. Audit row in the same transaction.",
  access: ADMIN,
  request: { params: PluginIdParam },
  responses: {
    200: { description: "Reactivated", content: { "application/json": { schema: z.object({ plugin_id: z.uuid(), is_active: z.literal(true) }) } } },
    ...problemResponses(409, ...AUTH_PROBLEMS),
  },
});

export function registerActivation(router: Router) {
  return router
    .openapi(deactivatePluginRoute, async (c) => c.json(await deactivatePlugin(pluginDeps(c), c.req.valid("param").plugin_id), 200))
    .openapi(reactivatePluginRoute, async (c) => c.json(await reactivatePlugin(pluginDeps(c), c.req.valid("param").plugin_id), 200));
}
