import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { MODERATION_ACTIONS, REPORT_REASONS, REPORT_TEXT_MAX } from "../../domain/reports";
import { ITEM_TYPES } from "../../domain/item-types";
import { VERSION_STATUSES } from "../../domain/version-status";

/** Filing a report: signed-in users and `catalog:read` keys, in the workspace they act in (design.md §45). */
export const REPORTER = { access: "authenticated", scope: "catalog:read", workspaceScoped: true, role: "viewer" } as const;

export const ReportBody = z
  .object({
    reason: z.enum(REPORT_REASONS).openapi({ description: "Why: `malware`, `credential_theft`, `prompt_injection`, `impersonation`, `spam`, `broken`, `license` or `other` (then `details` is required)." }),
    version: z.string().max(128).nullish().openapi({ description: "The version reported (one you can see: approved and active, deprecated or yanked); absent: the subject as a whole." }),
    details: z.string().max(REPORT_TEXT_MAX).nullish().openapi({ description: `What you saw, at most ${REPORT_TEXT_MAX} characters (line breaks allowed; no control, zero-width or bidi characters). Required for \`other\`. Seen by platform admins only.` }),
  })
  .openapi("ReportRequest");

export const ReportFiledSchema = z
  .object({
    id: z.uuid(),
    status: z.literal("open"),
    subject_type: z.enum(["item", "plugin"]),
    item_id: z.uuid().nullable(),
    plugin_id: z.uuid().nullable(),
    version: z.string().nullable(),
    reason: z.enum(REPORT_REASONS),
    created_at: z.string(),
  })
  .openapi("ReportFiled");

export const OwnReportSchema = z
  .object({
    id: z.uuid(),
    subject_type: z.enum(["item", "plugin"]),
    item_id: z.uuid().nullable(),
    plugin_id: z.uuid().nullable(),
    name: z.string().nullable(),
    version: z.string().nullable(),
    reason: z.enum(REPORT_REASONS),
    details: z.string().nullable(),
    status: z.enum(["open", "resolved"]),
    created_at: z.string(),
    outcome: z
      .object({ action: z.enum(MODERATION_ACTIONS), note: z.string(), resolved_at: z.string() })
      .nullable()
      .openapi({ description: "Once resolved: what the platform did and the note it gave (never who decided, nor who else reported)." }),
  })
  .openapi("OwnReport");

export const AppealBody = z
  .object({
    version: z.string().max(128).openapi({ description: "The item version whose newest moderation action is appealed." }),
    message: z.string().max(REPORT_TEXT_MAX).openapi({ description: `Your answer to the action, at most ${REPORT_TEXT_MAX} characters (line breaks allowed).` }),
  })
  .openapi("AppealRequest");

export const AppealFiledSchema = z
  .object({
    id: z.uuid(),
    status: z.literal("open"),
    item_id: z.uuid(),
    version: z.string(),
    moderation_action_id: z.uuid(),
    action: z.enum(MODERATION_ACTIONS),
    created_at: z.string(),
  })
  .openapi("AppealFiled");

/** A moderation action on a publisher's version, as the publisher sees it (issue 29 item 3). */
export const PublisherActionSchema = z
  .object({
    id: z.uuid(),
    version: z.string().nullable(),
    action: z.enum(MODERATION_ACTIONS),
    note: z.string(),
    from_status: z.enum(VERSION_STATUSES).nullable(),
    to_status: z.enum(VERSION_STATUSES).nullable(),
    created_at: z.string(),
    appeal: z
      .object({
        id: z.uuid(),
        status: z.enum(["open", "answered"]),
        message: z.string(),
        filed_at: z.string(),
        answer: z.object({ action: z.enum(MODERATION_ACTIONS), note: z.string(), answered_at: z.string() }).nullable(),
      })
      .nullable(),
  })
  .openapi("PublisherModerationAction", { description: "A platform action on the publisher's version with the note it gave; never who reported." });

export const QueueQuery = z.object({
  status: z.enum(["open", "resolved"]).default("open").openapi({ description: "`open` (default): open report groups and open appeals; `resolved`: groups by the resolve that closed them, and answered appeals." }),
  reason: z.enum(REPORT_REASONS).optional().openapi({ description: "Only groups holding a report with this reason (appeals are left out)." }),
  type: z.enum([...ITEM_TYPES, "plugin"]).optional().openapi({ description: "Only subjects of this item type, or plugins." }),
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ description: "1–100, default 50" }),
  offset: z.coerce.number().int().min(0).default(0),
});

export const QueueEntrySchema = z
  .object({
    kind: z.enum(["reports", "appeal"]),
    subject: z.object({
      type: z.enum(["item", "plugin"]),
      item_id: z.uuid().nullable(),
      plugin_id: z.uuid().nullable(),
      name: z.string().nullable(),
      item_type: z.string().openapi({ description: "The item type, or `plugin`." }),
      version: z.string().nullable().openapi({ description: "The version reported; null: the subject as a whole." }),
      visible: z.boolean().openapi({ description: "Whether non-admins see the subject now." }),
      removed: z.boolean(),
      version_status: z.enum(VERSION_STATUSES).nullable().openapi({ description: "The reported version's status now (version-less groups: the listed version's)." }),
      listed_version: z.string().nullable(),
      scan_verdict: z.string().nullable().openapi({ description: "Plugins: the version's current scan verdict (its newest scan, design.md §44); items: null." }),
    }),
    priority_tier: z.number().int().openapi({ description: "0: a `malware` or `credential_theft` report; 1: an appeal; 2: other reports." }),
    report_count: z.number().int(),
    reporters: z.number().int().openapi({ description: "Distinct people behind the reports (design.md §45: the count that orders the queue)." }),
    workspaces: z.number().int().openapi({ description: "Distinct reporting workspaces." }),
    reasons: z.record(z.string(), z.number().int()).openapi({ description: "Report counts by reason." }),
    first_reported_at: z.string().nullable(),
    last_reported_at: z.string().nullable(),
    resolution: z
      .object({ moderation_action_id: z.uuid(), action: z.enum(MODERATION_ACTIONS), note: z.string(), resolved_at: z.string() })
      .nullable()
      .openapi({ description: "`status=resolved`: the resolve that closed the group." }),
    appeal: z
      .object({ id: z.uuid(), moderation_action_id: z.uuid(), action: z.enum(MODERATION_ACTIONS), note: z.string(), message: z.string(), status: z.enum(["open", "answered"]), filed_at: z.string() })
      .nullable()
      .openapi({ description: "`kind: appeal`: the action appealed, its note, and the publisher's message." }),
  })
  .openapi("ReportQueueEntry");

export const ResolveBody = z
  .object({
    subject: z
      .object({
        item_id: z.uuid().optional(),
        plugin_id: z.uuid().optional(),
        version: z.string().max(128).nullish().openapi({ description: `Required for deprecate, yank, quarantine, release and revoke.` }),
      })
      .refine((s) => (s.item_id === undefined) !== (s.plugin_id === undefined), { message: "give exactly one of item_id and plugin_id" }),
    action: z.enum(MODERATION_ACTIONS).openapi({
      description:
        "`dismiss` (nothing changes), `deprecate`, `yank`, `quarantine`, `release` (lifts a quarantine, restoring the status it interrupted), `revoke` (final), `remove` (an item goes back to its publisher, design.md §5; a plugin is deactivated).",
    }),
    note: z.string().max(REPORT_TEXT_MAX).openapi({ description: `Required, one line, at most ${REPORT_TEXT_MAX} characters: shown to the publisher and the reporters (and, for a version action, stored as the version's status message).` }),
  })
  .openapi("ResolveReportsRequest");

export const ResolvedSchema = z
  .object({
    moderation_action_id: z.uuid(),
    subject_type: z.enum(["item", "plugin"]),
    item_id: z.uuid().optional(),
    plugin_id: z.uuid().optional(),
    version: z.string().nullable(),
    action: z.enum(MODERATION_ACTIONS),
    note: z.string(),
    from_status: z.enum(VERSION_STATUSES).nullable(),
    status: z.enum(VERSION_STATUSES).nullable().openapi({ description: "The version's status after a version action; null otherwise." }),
    reports_resolved: z.number().int(),
    appeals_answered: z.number().int(),
    created_at: z.string(),
  })
  .openapi("ReportsResolved");

export function reportDeps(c: Context<AppEnv>) {
  return { db: c.var.db.pool, principal: c.var.principal, requestId: c.var.requestId };
}
