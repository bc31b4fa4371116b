import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { checkHealth } from "../../services/health";

const ProbeStatus = z.enum(["ok", "error"]);
const HealthReport = z
  .object({
    status: z.enum(["ok", "degraded"]),
    database: z.object({ status: ProbeStatus, http: ProbeStatus, websocket: ProbeStatus }),
    cache: z.object({ status: z.enum(["ok", "off", "error"]) }),
    storage: z.object({ status: ProbeStatus }),
  })
  .openapi("HealthReport");

export const healthRoute = defineRoute({
  method: "get",
  path: "/health",
  operationId: "getHealth",
  tags: ["System"],
  summary: "Service health",
  description:
    "200 when the database (both the HTTP and the WebSocket path) and storage answer, 503 otherwise. A missing cache is reported, not fatal.",
  access: { access: "public" },
  responses: {
    200: { description: "Healthy", content: { "application/json": { schema: HealthReport } } },
    503: { description: "Database or storage unavailable", content: { "application/json": { schema: HealthReport } } },
  },
});

export function registerHealth(router: Router) {
  return router.openapi(healthRoute, async (c) => {
    const report = await checkHealth({ db: c.var.db, cache: c.var.cache, storage: c.var.storage });
    c.header("Cache-Control", "no-store");
    return report.status === "ok" ? c.json(report, 200) : c.json(report, 503);
  });
}
