import { KEY_MANAGER_ROLE } from "../../lib/access";
import { AUTH_PROBLEMS, pageOf, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { listWorkspaceApiKeys } from "../../services/api-keys";
import { requireWorkspace } from "../../services/auth/principal";
import { ApiKeySchema } from "./schemas";

export const listApiKeysRoute = defineRoute({
  method: "get",
  path: "/api/api-keys",
  operationId: "listApiKeys",
  tags: ["API keys"],
  summary: "List the workspace's API keys (never their secrets)",
  access: { access: "authenticated", scope: "keys:manage", workspaceScoped: true, role: KEY_MANAGER_ROLE },
  request: { query: PaginationQuery },
  responses: {
    200: { description: "Keys, newest first", content: { "application/json": { schema: paginated(ApiKeySchema, "ApiKeyList") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerListApiKeys(router: Router) {
  return router.openapi(listApiKeysRoute, async (c) => {
    const keys = await listWorkspaceApiKeys(c.var.db.http, requireWorkspace(c.var.workspace).id);
    return c.json(pageOf(keys, c.req.valid("query")), 200);
  });
}
