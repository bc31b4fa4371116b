import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import { withRoutes, type Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { updateWorkspaceItem } from "../../services/workspace-items";
import { COLLECTIONS, ItemIdParam, ItemUpdateSchema, WorkspaceItemSchema, WRITE_ACCESS } from "./schemas";

export function registerUpdateWorkspaceItem(router: Router) {
  return withRoutes(
    router,
    ...COLLECTIONS.map(({ type, path, tag, label, noun }) => {
      const route = defineRoute({
        method: "patch",
        path: `${path}/{id}`,
        tags: [tag],
        operationId: `update${noun}`,
        summary: `Update a ${label} (only the fields given)`,
        access: WRITE_ACCESS,
        request: { params: ItemIdParam, body: { required: true, content: { "application/json": { schema: ItemUpdateSchema } } } },
        responses: {
          200: { description: "Updated", content: { "application/json": { schema: WorkspaceItemSchema } } },
          ...problemResponses(400, 409, ...AUTH_PROBLEMS),
        },
      });
      return router.openapi(route, async (c) => {
        const workspaceId = requireWorkspace(c.var.workspace).id;
        const item = await updateWorkspaceItem(c.var.db.pool, workspaceId, type, c.req.valid("param").id, c.req.valid("json"), c.var.actor);
        return c.json(item as z.infer<typeof WorkspaceItemSchema>, 200);
      });
    }),
  );
}
