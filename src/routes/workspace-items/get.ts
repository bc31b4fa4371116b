import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import { withRoutes, type Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { getItem } from "../../services/workspace-items";
import { COLLECTIONS, ItemIdParam, READ_ACCESS, WorkspaceItemSchema } from "./schemas";

export function registerGetWorkspaceItem(router: Router) {
  return withRoutes(
    router,
    ...COLLECTIONS.map(({ type, path, tag, label, noun }) => {
      const route = defineRoute({
        method: "get",
        path: `${path}/{id}`,
        tags: [tag],
        operationId: `get${noun}`,
        summary: `Read one of the workspace's ${label}s`,
        access: READ_ACCESS,
        request: { params: ItemIdParam },
        responses: { 200: { description: "The item", content: { "application/json": { schema: WorkspaceItemSchema } } }, ...problemResponses(400, ...AUTH_PROBLEMS) },
      });
      return router.openapi(route, async (c) => {
        const item = await getItem(c.var.db.http, requireWorkspace(c.var.workspace).id, type, c.req.valid("param").id);
        return c.json(item as z.infer<typeof WorkspaceItemSchema>, 200);
      });
    }),
  );
}
