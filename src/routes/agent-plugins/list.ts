import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { listAgentPlugins } from "../../services/plugins/assignment";
import { AgentParam, AssignedPluginSchema, READ_ACCESS, TAG } from "./schemas";

export const listAgentPluginsRoute = defineRoute({
  method: "get",
  path: "/api/agents/{agent_id}/plugins",
  operationId: "listAgentPlugins",
  tags: [TAG],
  summary: "The plugins assigned to one of the workspace's agents, by priority",
  description:
    "`{agent_id, items}` ordered by priority (0 first). Only the workspace's own agents: a marketplace agent or another workspace's answers 404 `agent_not_found`.",
  access: READ_ACCESS,
  request: { params: AgentParam },
  responses: {
    200: { description: "Assignments", content: { "application/json": { schema: z.object({ agent_id: z.uuid(), items: z.array(AssignedPluginSchema) }) } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerListAgentPlugins(router: Router) {
  return router.openapi(listAgentPluginsRoute, async (c) =>
    c.json(await listAgentPlugins(c.var.db.http, requireWorkspace(c.var.workspace).id, c.req.valid("param").agent_id), 200),
  );
}
