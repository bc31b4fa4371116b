import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { approveItem } from "../../services/moderation";
import { ADMIN, ItemIdParam, moderationDeps } from "./schemas";

export const approveRoute = defineRoute({
  method: "post",
  path: "/api/marketplace/items/{id}/approve",
  operationId: "approveItem",
  tags: ["Moderation"],
  summary: "Approve the item's pending version",
  description:
    "Approves the pending version (or the one named in `version`). It becomes the listed version (what the catalog shows, what install " +
    "takes and what updates offer) when it is the highest approved stable version by semver precedence, or the highest approved " +
    "pre-release of an item without a stable version; `latest` says whether it did. A pre-release or a maintenance release below the " +
    "listed version is only recorded, and can be installed by naming it. 409 `invalid_transition` when nothing is pending.",
  access: ADMIN,
  request: {
    params: ItemIdParam,
    body: { required: false, content: { "application/json": { schema: z.object({ version: z.string().max(100).optional() }) } } },
  },
  responses: {
    200: {
      description: "Approved",
      content: { "application/json": { schema: z.object({ item_id: z.uuid(), version: z.string(), status: z.literal("approved"), latest: z.boolean().openapi({ description: "True when this version became the listed version." }) }) } },
    },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerApprove(router: Router) {
  return router.openapi(approveRoute, async (c) => {
    const body = c.req.valid("json") ?? {};
    return c.json(await approveItem(moderationDeps(c), c.req.valid("param").id, body.version), 200);
  });
}
