import { ApiError } from "../../../lib/errors";
import { AUTH_PROBLEMS, problemResponses } from "../../../lib/openapi";
import { defineRoute } from "../../../lib/route";
import type { Router } from "../../../lib/router";
import { restartRescan } from "../../../services/plugins/rescan";
import { RescanStatusSchema } from "./rescan-schemas";
import { ADMIN } from "./schemas";

export const rescanStartRoute = defineRoute({
  method: "post",
  path: "/api/admin/plugins/rescan",
  operationId: "startPluginRescan",
  tags: ["Plugins (admin)"],
  summary: "Start the rescan of approved plugin versions now",
  description:
    "Starts a new run of the background rescan (design.md §41): the progress is reset (trigger `manual`, counts at zero) and a `{kind: \"rescan\"}` message goes to the `jobs` queue, whose consumer runs one batch (at most 200 versions or 20 s) and sends the next until no approved version is left whose newest scan is by another engine. A batch already working finishes its versions first. Versions already scanned by this engine are not scanned again. Answers 202 with the progress (as `GET /api/admin/plugins/rescan`), `private, no-store`. Takes no body. A deployment without the `JOBS` queue binding answers 503 `queue_unavailable` and resets nothing (the every-minute Cron Trigger still works through stale versions).",
  access: ADMIN,
  responses: {
    202: { description: "Restarted; the batches run in the background", content: { "application/json": { schema: RescanStatusSchema } } },
    ...problemResponses(...AUTH_PROBLEMS, 503),
  },
});

export function registerRescanStart(router: Router) {
  return router.openapi(rescanStartRoute, async (c) => {
    // Checked before the reset, so a worker deployed without the binding changes nothing and says
    // why, instead of a 500 from `undefined.send` after the run was already restarted.
    if (!(c.env as Partial<typeof c.env>).JOBS) throw new ApiError(503, "queue_unavailable", "The jobs queue is not bound to this deployment (JOBS in wrangler.toml); the rescan was not restarted.");
    const status = await restartRescan(c.var.db.pool, new Date());
    // After the reset committed: the queue's first batch then sees the new run.
    c.executionCtx.waitUntil(c.env.JOBS.send({ kind: "rescan" }));
    c.header("Cache-Control", "private, no-store");
    return c.json(status, 202);
  });
}
