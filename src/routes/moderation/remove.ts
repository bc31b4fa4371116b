import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { removeItem } from "../../services/moderation";
import { ADMIN, ItemIdParam, moderationDeps } from "./schemas";

export const removeRoute = defineRoute({
  method: "delete",
  path: "/api/marketplace/items/{id}",
  operationId: "removeItem",
  tags: ["Moderation"],
  summary: "Remove an item from the marketplace (it returns to its publisher; installs are kept)",
  access: ADMIN,
  request: { params: ItemIdParam, query: z.object({ reason: z.string().trim().min(1).max(2000).optional() }) },
  responses: {
    200: { description: "Removed", content: { "application/json": { schema: z.object({ item_id: z.uuid(), removed: z.literal(true) }) } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerRemove(router: Router) {
  return router.openapi(removeRoute, async (c) => c.json(await removeItem(moderationDeps(c), c.req.valid("param").id, c.req.valid("query").reason), 200));
}
