import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { fileReport } from "../../services/reports/file";
import { MarketplaceItemIdParam } from "../marketplace/install-schemas";
import { REPORT_FILING_DESCRIPTION } from "./descriptions";
import { ReportBody, reportDeps, ReportFiledSchema, REPORTER } from "./schemas";

export const fileItemReportRoute = defineRoute({
  method: "post",
  path: "/api/marketplace/items/{id}/reports",
  operationId: "reportItem",
  tags: ["Reports"],
  summary: "Report a marketplace item (or one of its versions) to the platform admins",
  description: REPORT_FILING_DESCRIPTION("item"),
  access: REPORTER,
  request: { params: MarketplaceItemIdParam, body: { required: true, content: { "application/json": { schema: ReportBody } } } },
  responses: {
    201: { description: "The report, open", content: { "application/json": { schema: ReportFiledSchema } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerFileItemReport(router: Router) {
  return router.openapi(fileItemReportRoute, async (c) => {
    const body = c.req.valid("json");
    const report = await fileReport(reportDeps(c), requireWorkspace(c.var.workspace).id, { type: "item", id: c.req.valid("param").id }, body);
    return c.json(report, 201);
  });
}
