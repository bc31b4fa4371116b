import { KEY_MANAGER_ROLE } from "../../lib/access";
import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { revokeWorkspaceApiKey } from "../../services/api-keys";
import { requireWorkspace } from "../../services/auth/principal";

export const revokeApiKeyRoute = defineRoute({
  method: "delete",
  path: "/api/api-keys/{key_id}",
  operationId: "revokeApiKey",
  tags: ["API keys"],
  summary: "Revoke an API key (effective on the next request)",
  access: { access: "authenticated", scope: "keys:manage", workspaceScoped: true, role: KEY_MANAGER_ROLE },
  request: { params: z.object({ key_id: z.uuid() }) },
  responses: { 204: { description: "Revoked" }, ...problemResponses(400, ...AUTH_PROBLEMS) },
});

export function registerRevokeApiKey(router: Router) {
  return router.openapi(revokeApiKeyRoute, async (c) => {
    await revokeWorkspaceApiKey(c.var.db.http, c.var.cache, requireWorkspace(c.var.workspace).id, c.req.valid("param").key_id);
    return c.body(null, 204);
  });
}
