import type { Bindings } from "../env";
import { rescanBatch } from "../services/plugins/rescan";
import { jobLogger, withJobClients } from "./clients";

/** The Cron Triggers of wrangler.toml's `[triggers] crons` (design.md §41). */
export const EVERY_MINUTE = "* * * * *";

/**
 * The `scheduled` handler's one dispatcher (design.md §41): each cron expression names the jobs it
 * runs, "now" being the event's `scheduledTime`. Every minute: the event-outbox relay (to come with
 * the webhooks issue: it runs first, here, once it exists), then one rescan batch. Any other cron
 * is logged as `unknown_cron` and does nothing.
 */
export async function runScheduled(controller: Pick<ScheduledController, "cron" | "scheduledTime">, env: Bindings, ctx: Pick<ExecutionContext, "waitUntil">): Promise<void> {
  const now = new Date(controller.scheduledTime);
  const logger = jobLogger(env, { cron: controller.cron, scheduledTime: now.toISOString() });
  switch (controller.cron) {
    case EVERY_MINUTE:
      // Seam: relayOutbox (design.md §41) goes here, before the rescan, when the webhooks issue adds it.
      await withJobClients(env, ctx, logger, (deps) => rescanBatch(deps, { now, trigger: "rescan" }));
      return;
    default:
      logger.warn("unknown_cron", {});
  }
}
