import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { fileReport } from "../../services/reports/file";
import { PluginIdParam } from "../marketplace-plugins/schemas";
import { REPORT_FILING_DESCRIPTION } from "./descriptions";
import { ReportBody, reportDeps, ReportFiledSchema, REPORTER } from "./schemas";

export const filePluginReportRoute = defineRoute({
  method: "post",
  path: "/api/marketplace/plugins/{id}/reports",
  operationId: "reportPlugin",
  tags: ["Reports"],
  summary: "Report a plugin (or one of its versions) to the platform admins",
  description: REPORT_FILING_DESCRIPTION("plugin"),
  access: REPORTER,
  request: { params: PluginIdParam, body: { required: true, content: { "application/json": { schema: ReportBody } } } },
  responses: {
    201: { description: "The report, open", content: { "application/json": { schema: ReportFiledSchema } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerFilePluginReport(router: Router) {
  return router.openapi(filePluginReportRoute, async (c) => {
    const body = c.req.valid("json");
    const report = await fileReport(reportDeps(c), requireWorkspace(c.var.workspace).id, { type: "plugin", id: c.req.valid("param").id }, body);
    return c.json(report, 201);
  });
}
