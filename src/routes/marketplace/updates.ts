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
    "Once per installed item whose update target is newer than the installed version by semver precedence (pre-releases order below " +
    "their release, build metadata is ignored): the target is the highest approved stable version, and for an install on a pre-release " +
    "also newer pre-releases of the same major.minor.patch. Each entry carries the changelogs between the installed and the target " +
    "version. Installs of items removed from the marketplace are listed with `removed: true` instead of an update.",
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
