import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import { withRoutes, type Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { updateWorkspaceItem } from "../../services/workspace-items";
import { COLLECTIONS, ItemIdParam, itemUpdateSchema, WorkspaceItemSchema, WRITE_ACCESS } from "./schemas";

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
        description: `Fields left out are unchanged; a field given replaces the stored value whole. \`details\` is not merged: send the complete object (read the ${label}, change it, send it back), as a PATCH with \`details\` holding one key leaves only that key. \`details\` is checked as on create: a wrong type or value is 400 \`validation_failed\` whose \`errors[]\` name the field, and nothing is changed.`,
        access: WRITE_ACCESS,
        request: { params: ItemIdParam, body: { required: true, content: { "application/json": { schema: itemUpdateSchema(type) } } } },
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
