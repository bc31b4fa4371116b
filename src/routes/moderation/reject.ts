import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses, RejectionRequest } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { rejectItem } from "../../services/moderation";
import { ADMIN, ItemIdParam, moderationDeps } from "./schemas";

export const rejectRoute = defineRoute({
  method: "post",
  path: "/api/marketplace/items/{id}/reject",
  operationId: "rejectItem",
  tags: ["Moderation"],
  summary: "Reject the item's pending version, with a reason the submitter sees",
  access: ADMIN,
  request: {
    params: ItemIdParam,
    body: {
      required: true,
      content: { "application/json": { schema: RejectionRequest } },
    },
  },
  responses: {
    200: {
      description: "Rejected",
      content: { "application/json": { schema: z.object({ item_id: z.uuid(), version: z.string(), status: z.literal("rejected"), reason: z.string() }) } },
    },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerReject(router: Router) {
  return router.openapi(rejectRoute, async (c) => {
    const { reason, version } = c.req.valid("json");
    return c.json(await rejectItem(moderationDeps(c), c.req.valid("param").id, reason, version), 200);
  });
}
