import { z } from "@hono/zod-openapi";

/** The rescan's progress (services/plugins/rescan.ts `RescanStatus`), as both rescan routes answer it. */
export const RescanStatusSchema = z
  .object({
    engine_version: z.string().openapi({ description: "The scanner engine this deployment runs; versions whose newest scan is by another engine are rescanned", example: "2026.2" }),
    pending: z.number().int().openapi({ description: "Approved plugin versions whose newest scan is by another engine, or that have none: what is still to scan" }),
    trigger: z.enum(["rescan", "manual"]).nullable().openapi({ description: "What started the current (or last) run: `rescan` (the every-minute Cron Trigger) or `manual` (this POST); null before the first run" }),
    scanned: z.number().int().openapi({ description: "Versions the run scanned, quarantined ones included" }),
    quarantined: z.number().int().openapi({ description: "Versions the run quarantined: a new critical finding (verdict `blocked`) on an active, deprecated or yanked version" }),
    failed: z.number().int().openapi({ description: "Versions the run could not scan: stored files missing (recorded as a `review_required` scan with the finding `bundle_unreadable`, never a quarantine) or an error (retried by the next run)" }),
    started_at: z.string().nullable().openapi({ description: "When the run started (ISO 8601); null before the first run" }),
    finished_at: z.string().nullable().openapi({ description: "When the run found nothing more to scan; null while it is under way" }),
    running: z.boolean().openapi({ description: "A batch is working right now (it holds the job's lease)" }),
  })
  .openapi("PluginRescanStatus");
