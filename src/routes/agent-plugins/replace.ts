import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { replaceAgentPlugins } from "../../services/plugins/assignment";
import { AgentParam, ReplaceBody, TAG, WRITE_ACCESS } from "./schemas";

export const replaceAgentPluginsRoute = defineRoute({
  method: "put",
  path: "/api/agents/{agent_id}/plugins",
  operationId: "replaceAgentPlugins",
  tags: [TAG],
  summary: "Replace an agent's plugin assignments",
  description:
    "Body `{plugin_ids}`: replaces every assignment in one transaction with priority = position (duplicates removed, first kept; `[]` clears). 400 `plugins_not_enabled` (\"Plugins not enabled for workspace: <ids>\", ids also in `plugin_ids`) when any plugin is not enabled for the workspace, and nothing changes; 404 `agent_not_found` for a marketplace agent or another workspace's. Editor role or keys with `items:write` (reference §2.5).",
  access: WRITE_ACCESS,
  request: { params: AgentParam, body: { required: true, content: { "application/json": { schema: ReplaceBody } } } },
  responses: {
    200: {
      description: "Replaced",
      content: { "application/json": { schema: z.object({ agent_id: z.uuid(), plugin_ids: z.array(z.uuid()), assigned: z.number().int() }) } },
    },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerReplaceAgentPlugins(router: Router) {
  return router.openapi(replaceAgentPluginsRoute, async (c) =>
    c.json(
      await replaceAgentPlugins(c.var.db.pool, requireWorkspace(c.var.workspace).id, c.req.valid("param").agent_id, c.req.valid("json").plugin_ids, c.var.actor),
      200,
    ),
  );
}
