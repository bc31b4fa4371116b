import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, cursorPaginated, CursorPaginationQuery, problemResponses } from "../../lib/openapi";
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
    "/api/marketplace/updates decides them, and whether the item was removed from the marketplace. Installs of items hidden by a takedown stay listed. " +
    "To walk the list while items are installed or uninstalled, follow `next_cursor` (on the first page too) as `cursor`: a keyset on `installed_at, id`, so every install " +
    "live for the whole walk is returned exactly once (design.md §51; issue 30 item 3); a cursor page answers `{items, total, total_exact, limit, next_cursor}`, null at the end. " +
    "`offset` stays for compatibility. 400 `cursor_unsupported` for a cursor with `offset`; 400 `invalid_cursor` for one this API did not return.",
  access: INSTALLS_READ_ACCESS,
  request: { query: CursorPaginationQuery },
  responses: {
    200: {
      description: "Installs",
      content: { "application/json": { schema: cursorPaginated(InstalledItemSchema, "InstalledItemList", z.boolean().openapi({ description: "Always true: the count is exact." })) } },
    },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerInstalls(router: Router) {
  return router.openapi(installsRoute, async (c) =>
    c.json(await listInstalls(c.var.db.http, requireWorkspace(c.var.workspace).id, c.req.valid("query")), 200),
  );
}
