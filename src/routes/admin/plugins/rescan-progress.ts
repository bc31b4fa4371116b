import { AUTH_PROBLEMS, problemResponses } from "../../../lib/openapi";
import { defineRoute } from "../../../lib/route";
import type { Router } from "../../../lib/router";
import { rescanStatus } from "../../../services/plugins/rescan";
import { RescanStatusSchema } from "./rescan-schemas";
import { ADMIN } from "./schemas";

export const rescanProgressRoute = defineRoute({
  method: "get",
  path: "/api/admin/plugins/rescan",
  operationId: "getPluginRescan",
  tags: ["Plugins (admin)"],
  summary: "Progress of the background rescan of approved plugin versions",
  description:
    "When the scanner's engine version changes, every approved plugin version is scanned again in the background (issue 28 item 4; design.md §41, §44): one batch of at most 200 versions or 20 s every minute, and back to back after `POST /api/admin/plugins/rescan`. A new critical finding quarantines the version (as `system`, the finding as the reason, with a `version.quarantined` event); other versions only get the new scan. This reports the current (or last) run and what is still pending. Answered `private, no-store`.",
  access: ADMIN,
  responses: {
    200: { description: "The rescan's progress", content: { "application/json": { schema: RescanStatusSchema } } },
    ...problemResponses(...AUTH_PROBLEMS),
  },
});

export function registerRescanProgress(router: Router) {
  return router.openapi(rescanProgressRoute, async (c) => {
    c.header("Cache-Control", "private, no-store");
    return c.json(await rescanStatus(c.var.db.pool, new Date()), 200);
  });
}
