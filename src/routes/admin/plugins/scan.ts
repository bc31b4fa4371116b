import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../../lib/openapi";
import { defineRoute } from "../../../lib/route";
import type { Router } from "../../../lib/router";
import { SCAN_TRIGGERS } from "../../../domain/scan-engine";
import { pluginScan } from "../../../services/plugins/moderation";
import { ADMIN, FindingSchema, PluginIdParam, SeverityCountsSchema } from "./schemas";

const ScanSchema = z
  .object({
    plugin_id: z.uuid(),
    version: z.string(),
    scan_id: z.uuid(),
    verdict: z.enum(["safe", "review_required", "blocked"]),
    static_scan_status: z.string(),
    rules_hit: z.array(z.string()),
    findings: z.array(FindingSchema),
    by_severity: SeverityCountsSchema,
    llm_scan_status: z.string().openapi({ description: "`not_run`: there is no LLM stage yet" }),
    scanned_at: z.string(),
    engine_version: z.string().openapi({ description: "The scanner engine that wrote this row (SCANNER_ENGINE_VERSION when it was written; design.md §44)." }),
    trigger: z.enum(SCAN_TRIGGERS).openapi({ description: "`upload`, the background `rescan`, or a `manual` rescan an admin started." }),
  })
  .openapi("PluginScan");

export const pluginScanRoute = defineRoute({
  method: "get",
  path: "/api/admin/plugins/{plugin_id}/scan",
  operationId: "getPluginScan",
  tags: ["Plugins (admin)"],
  summary: "The stored security scan of a plugin version (default: the newest version)",
  description: "The version's newest scan row (its current verdict: a rescan adds rows, design.md §44), with the engine version and what triggered it. 404 `plugin_not_found`, `version_not_found` or `scan_not_found`.",
  access: ADMIN,
  request: { params: PluginIdParam, query: z.object({ version: z.string().max(100).optional() }) },
  responses: {
    200: { description: "The scan", content: { "application/json": { schema: ScanSchema } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerPluginScan(router: Router) {
  return router.openapi(pluginScanRoute, async (c) =>
    c.json(await pluginScan(c.var.db.pool, c.req.valid("param").plugin_id, c.req.valid("query").version), 200),
  );
}
