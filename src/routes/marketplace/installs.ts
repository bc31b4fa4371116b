import { AUTH_PROBLEMS, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { listInstalls } from "../../services/installs";
import { INSTALLS_READ_ACCESS, InstalledItemSchema } from "./install-schemas";

export const installsRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/installs",
  operationId: "listInstalls",
  tags: ["Installs"],
  summary: "The workspace's installed marketplace items",
  description:
    "Each live install, newest first: the item, the workspace copy, the installed version and its `version_status` (with the publisher's " +
    "`status_message` and `replacement` for deprecated and yanked versions, and `deprecation` for a deprecated one; a quarantined or revoked " +
    "version is reported with a null message), the update fields (`update`, `update_available`, `latest_version`, `listed_version`, " +
    "`safe_version`: the version to move to when the installed one is yanked, quarantined or revoked, even a lower one) as GET " +
    "/api/marketplace/updates decides them, and whether the item was removed from the marketplace. Installs of items hidden by a takedown stay listed.",
  access: INSTALLS_READ_ACCESS,
  request: { query: PaginationQuery },
  responses: {
    200: { description: "Installs", content: { "application/json": { schema: paginated(InstalledItemSchema, "InstalledItemList") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerInstalls(router: Router) {
  return router.openapi(installsRoute, async (c) =>
    c.json(await listInstalls(c.var.db.http, requireWorkspace(c.var.workspace).id, c.req.valid("query")), 200),
  );
}
