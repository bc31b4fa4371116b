import { AUTH_PROBLEMS, paginated, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { reportQueuePage } from "../../services/reports/views";
import { QueueEntrySchema, QueueQuery } from "./schemas";

export const reportQueueRoute = defineRoute({
  method: "get",
  path: "/api/admin/reports",
  operationId: "listReportQueue",
  tags: ["Reports"],
  summary: "Platform admins: the report and appeal queue, in priority order",
  description: [
    "Open reports grouped by subject and version (`kind: reports`), and publishers' appeals (`kind: appeal`). Priority (issue 29 item 2): tier 0, groups holding a `malware` or `credential_theft` report; tier 1, appeals; tier 2, the other groups;",
    "within a tier, more distinct reporters first (design.md §45: people, not reports, with the workspace count beside them), then the oldest first report. Each group gives the counts by reason, first and last report time, the subject's current status and, for plugins, the version's scan verdict.",
    "Filters: `status` (`resolved`: groups by the resolve that closed them, and answered appeals), `reason`, `type`. Answers `private, no-store`. Errors: 400 `validation_failed`; 403 `admin_required` (anyone else, every API key).",
  ].join(" "),
  access: { access: "admin" },
  request: { query: QueueQuery },
  responses: {
    200: { description: "One page of the queue", content: { "application/json": { schema: paginated(QueueEntrySchema, "ReportQueue") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerReportQueue(router: Router) {
  return router.openapi(reportQueueRoute, async (c) => {
    const { limit, offset, ...filter } = c.req.valid("query");
    c.header("Cache-Control", "private, no-store");
    return c.json(await reportQueuePage(c.var.db.http, filter, { limit, offset }), 200);
  });
}
