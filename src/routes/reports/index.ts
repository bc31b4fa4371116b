import { withRoutes, type Router } from "../../lib/router";
import { registerReportQueue } from "./admin-queue";
import { registerResolveReports } from "./admin-resolve";
import { registerFileAppeal } from "./file-appeal";
import { registerFileItemReport } from "./file-item-report";
import { registerFilePluginReport } from "./file-plugin-report";
import { registerListReports } from "./list";

/** Reports, appeals and the admins' triage (issue 29). */
export function registerReportRoutes(router: Router) {
  return withRoutes(
    router,
    registerFileItemReport(router),
    registerFilePluginReport(router),
    registerListReports(router),
    registerFileAppeal(router),
    registerReportQueue(router),
    registerResolveReports(router),
  );
}
