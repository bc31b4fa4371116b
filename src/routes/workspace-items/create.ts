import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import { withRoutes, type Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { createItem } from "../../services/workspace-items";
import { COLLECTIONS, itemInputSchema, WorkspaceItemSchema, WRITE_ACCESS } from "./schemas";

export function registerCreateWorkspaceItem(router: Router) {
  return withRoutes(
    router,
    ...COLLECTIONS.map(({ type, path, tag, label, noun }) => {
      const route = defineRoute({
        method: "post",
        path,
        tags: [tag],
        operationId: `create${noun}`,
        summary: `Create ${/^[aeiou]/i.test(label) ? "an" : "a"} ${label} in the workspace`,
        description: `\`details\` is checked against the ${label}'s known keys (types and bounds in the request schema); a wrong type or value is 400 \`validation_failed\` whose \`errors[]\` name the field (e.g. \`json.details.model_config.temperature\`), and nothing is stored. Other keys are kept as given.`,
        access: WRITE_ACCESS,
        request: { body: { required: true, content: { "application/json": { schema: itemInputSchema(type) } } } },
        responses: {
          201: { description: "Created", content: { "application/json": { schema: WorkspaceItemSchema } } },
          ...problemResponses(400, 409, ...AUTH_PROBLEMS),
        },
      });
      return router.openapi(route, async (c) => {
        const item = await createItem(c.var.db.pool, requireWorkspace(c.var.workspace).id, type, c.req.valid("json"), c.var.actor);
        return c.json(item as z.infer<typeof WorkspaceItemSchema>, 201);
      });
    }),
  );
}
