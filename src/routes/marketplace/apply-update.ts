import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { applyUpdate } from "../../services/updates";
import { INSTALL_ACCESS, MarketplaceItemIdParam, UpdateResultSchema } from "./install-schemas";

export const applyUpdateRoute = defineRoute({
  method: "post",
  path: "/api/marketplace/items/{id}/update",
  operationId: "applyItemUpdate",
  tags: ["Installs"],
  summary: "Apply the available update to the workspace's copy",
  description: [
    "Moves the workspace's copy to the update target (as GET /api/marketplace/updates reports it) in one transaction, and records the new version on the install.",
    "Overwritten with the new version's published configuration: description, tags, icon, details (the published configuration), version; for agents the linked marketplace skills, for recipes the recommended agents.",
    "Kept: the copy's id; its name when the user renamed it (or it was installed as `-copy`) — otherwise it follows a renamed item, unless that name is taken in the workspace; an agent's tool connections (tools the new version adds are listed in `tools_to_reconnect`).",
    "404 `not_installed`; 409 `up_to_date` when nothing newer is offered; 409 `item_removed` when the item left the marketplace.",
  ].join(" "),
  access: INSTALL_ACCESS,
  request: { params: MarketplaceItemIdParam },
  responses: {
    200: { description: "Updated", content: { "application/json": { schema: UpdateResultSchema } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerApplyUpdate(router: Router) {
  return router.openapi(applyUpdateRoute, async (c) =>
    c.json(await applyUpdate(c.var.db.pool, requireWorkspace(c.var.workspace).id, c.req.valid("param").id, c.var.actor), 200),
  );
}
