import { AUTH_PROBLEMS, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { listUpdates } from "../../services/updates";
import { INSTALLS_READ_ACCESS, UpdateEntrySchema } from "./install-schemas";

export const updatesRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/updates",
  operationId: "listUpdates",
  tags: ["Installs"],
  summary: "Updates available to the workspace's installs",
  description:
    "Once per installed item that has somewhere to move: an `update` (the highest approved version with status active or deprecated that is " +
    "newer than the installed one by semver precedence — stable, and for an install on a pre-release also newer pre-releases of the same " +
    "major.minor.patch; pre-releases order below their release, build metadata is ignored; never a yanked, quarantined or revoked version), " +
    "or, for an installed version that is yanked, quarantined or revoked, a `safe_version` to move to (the update, else the listed version, " +
    "even when lower: the only downgrade). Each entry carries the installed version's status fields, the update fields and the changelogs " +
    "between the installed version and `update`. Installs of items removed from the marketplace are listed with `removed: true` instead. " +
    "The fields name the same facts as GET /api/marketplace/installs (`type`, `installed_version`, `latest_version`, …); `item_type` and `current_version` are deprecated aliases of `type` and `installed_version`, kept for this version of the contract (v1) and removed in v2.",
  access: INSTALLS_READ_ACCESS,
  request: { query: PaginationQuery },
  responses: {
    200: { description: "Updates", content: { "application/json": { schema: paginated(UpdateEntrySchema, "AvailableUpdateList") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerUpdates(router: Router) {
  return router.openapi(updatesRoute, async (c) =>
    c.json(await listUpdates(c.var.db.http, requireWorkspace(c.var.workspace).id, c.req.valid("query")), 200),
  );
}
