import { AUTH_PROBLEMS, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { listOwnReports } from "../../services/reports/views";
import { OwnReportSchema, REPORTER } from "./schemas";

export const listReportsRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/reports",
  operationId: "listReports",
  tags: ["Reports"],
  summary: "My workspace's reports and their outcome",
  description:
    "The reports filed by the workspace you act in, newest first: status (`open`, `resolved`) and, once resolved, the outcome (the action and the admins' note). Never who resolved it, nor who else reported the subject. Answers `private, no-store`.",
  access: REPORTER,
  request: { query: PaginationQuery },
  responses: {
    200: { description: "Newest first", content: { "application/json": { schema: paginated(OwnReportSchema, "OwnReportList") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerListReports(router: Router) {
  return router.openapi(listReportsRoute, async (c) => {
    c.header("Cache-Control", "private, no-store");
    return c.json(await listOwnReports(c.var.db.http, requireWorkspace(c.var.workspace).id, c.req.valid("query")), 200);
  });
}
