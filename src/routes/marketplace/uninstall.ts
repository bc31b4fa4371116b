import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { uninstallItem } from "../../services/installs";
import { INSTALL_ACCESS, MarketplaceItemIdParam } from "./install-schemas";

export const uninstallRoute = defineRoute({
  method: "delete",
  path: "/api/marketplace/items/{id}/install",
  operationId: "uninstallItem",
  tags: ["Installs"],
  summary: "Uninstall: delete the workspace's copy and end its install record",
  description:
    "Deletes the workspace's copy of the item and sets `uninstalled_at` on its install record, in one transaction (deleting the copy through " +
    "the workspace item routes does the same). Works for items removed from the marketplace too. `install_count` is unchanged: it counts " +
    "workspaces that ever installed the item and never goes down; installing again later does not add to it. The item can be installed again afterwards. 404 `not_installed`.",
  access: INSTALL_ACCESS,
  request: { params: MarketplaceItemIdParam },
  responses: { 204: { description: "Uninstalled" }, ...problemResponses(400, ...AUTH_PROBLEMS) },
});

export function registerUninstall(router: Router) {
  return router.openapi(uninstallRoute, async (c) => {
    await uninstallItem(c.var.db.pool, requireWorkspace(c.var.workspace).id, c.req.valid("param").id);
    return c.body(null, 204);
  });
}
