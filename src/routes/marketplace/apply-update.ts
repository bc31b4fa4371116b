import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { applyUpdate } from "../../services/updates";
import { INSTALL_ACCESS, MarketplaceItemIdParam, UpdateResultSchema, VersionField } from "./install-schemas";

const ApplyUpdateBody = z.object({
  version: VersionField.optional().openapi({
    description: "The version to move to: the offered `update` or the `safe_version` of GET /api/marketplace/updates; default: the update, else the safe version when the installed one is unsafe.",
  }),
});

export const applyUpdateRoute = defineRoute({
  method: "post",
  path: "/api/marketplace/items/{id}/update",
  operationId: "applyItemUpdate",
  tags: ["Installs"],
  summary: "Apply the available update (or move to the safe version) on the workspace's copy",
  description: [
    "Moves the workspace's copy to the offered `update` (as GET /api/marketplace/updates reports it) in one transaction, and records the new version on the install;",
    "when the installed version is yanked, quarantined or revoked and no update is offered, to its `safe_version` instead, even a lower one (the only downgrade any path makes).",
    "An optional body `{\"version\"}` picks one of the two: it must be the offered `update` or the `safe_version` (else 400 `version_not_offered`, with both in the problem body).",
    "The answer carries the new version's `version_status` and, for a deprecated one, its `deprecation` notice.",
    "Overwritten with the new version's published configuration: description, tags, icon, details (the published configuration), version; for agents the linked marketplace skills, for recipes the recommended agents.",
    "Kept: the copy's id; its name when the user renamed it (or it was installed as `-copy`) — otherwise it follows a renamed item, unless that name is taken in the workspace; an agent's tool connections (tools the new version adds are listed in `tools_to_reconnect`).",
    "404 `not_installed`; 409 `up_to_date` when there is nowhere to move from an active or deprecated version; 409 `no_installable_version` when the installed version was yanked, quarantined or revoked and no version is safe to move to; 409 `item_removed` when the item left the marketplace.",
  ].join(" "),
  access: INSTALL_ACCESS,
  request: {
    params: MarketplaceItemIdParam,
    body: { required: false, content: { "application/json": { schema: ApplyUpdateBody } } },
  },
  responses: {
    200: { description: "Updated", content: { "application/json": { schema: UpdateResultSchema } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerApplyUpdate(router: Router) {
  return router.openapi(applyUpdateRoute, async (c) => {
    const toVersion = (c.req.valid("json") ?? {}).version;
    return c.json(await applyUpdate(c.var.db.pool, requireWorkspace(c.var.workspace).id, c.req.valid("param").id, c.var.actor, { toVersion }), 200);
  });
}
