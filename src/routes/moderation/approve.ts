import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { approveItem } from "../../services/moderation";
import { ADMIN, ItemIdParam, moderationDeps } from "./schemas";

export const approveRoute = defineRoute({
  method: "post",
  path: "/api/marketplace/items/{id}/approve",
  tags: ["Moderation"],
  summary: "Approve the item's pending version (it becomes the latest if it is the newest)",
  access: ADMIN,
  request: {
    params: ItemIdParam,
    body: { required: false, content: { "application/json": { schema: z.object({ version: z.string().max(100).optional() }) } } },
  },
  responses: {
    200: {
      description: "Approved",
      content: { "application/json": { schema: z.object({ item_id: z.uuid(), version: z.string(), status: z.literal("approved"), latest: z.boolean() }) } },
    },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerApprove(router: Router) {
  router.openapi(approveRoute, async (c) => {
    const body = c.req.valid("json") ?? {};
    return c.json(await approveItem(moderationDeps(c), c.req.valid("param").id, body.version), 200);
  });
}
