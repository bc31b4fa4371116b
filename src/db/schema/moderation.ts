import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from "drizzle-orm/pg-core";
import { APPEAL_STATUSES, MODERATION_ACTIONS, REPORT_REASONS, REPORT_STATUSES, REPORT_SUBJECT_TYPES } from "../../domain/reports";
import { VERSION_STATUSES } from "../../domain/version-status";
import { items } from "./catalog";
import { actorCheck, actorColumns, createdAt, id, oneOf } from "./columns";
import { workspaces } from "./identity";
import { marketplacePlugins } from "./plugins";

/**
 * Reports, moderation actions and appeals (issue 29; design.md §45, §46, §37). Never read by a
 * catalog query: none of this is public.
 */

/** The subject columns every table here shares: an item or a plugin, exactly one, and the version (null: the subject as a whole). */
const subjectColumns = () => ({
  subjectType: text("subject_type").$type<(typeof REPORT_SUBJECT_TYPES)[number]>().notNull(),
  itemId: uuid("item_id").references(() => items.id, { onDelete: "cascade" }),
  pluginId: uuid("plugin_id").references(() => marketplacePlugins.id, { onDelete: "cascade" }),
  version: text("version"),
});

const subjectChecks = (table: string, t: { subjectType: unknown; itemId: unknown; pluginId: unknown }) => [
  check(`${table}_subject_type_check`, oneOf(t.subjectType, REPORT_SUBJECT_TYPES)),
  check(
    `${table}_subject_check`,
    sql`(${t.subjectType} = 'item' and ${t.itemId} is not null and ${t.pluginId} is null) or (${t.subjectType} = 'plugin' and ${t.pluginId} is not null and ${t.itemId} is null)`,
  ),
];

/**
 * One admin action on a subject (design.md §46): written by every resolve, dismissals included.
 * The publisher sees the action and its note, never who reported (issue 29 item 3).
 */
export const moderationActions = pgTable(
  "moderation_actions",
  {
    id: id(),
    ...subjectColumns(),
    action: text("action").$type<(typeof MODERATION_ACTIONS)[number]>().notNull(),
    note: text("note").notNull(),
    fromStatus: text("from_status").$type<(typeof VERSION_STATUSES)[number]>(),
    toStatus: text("to_status").$type<(typeof VERSION_STATUSES)[number]>(),
    publisherWorkspaceId: uuid("publisher_workspace_id").references(() => workspaces.id, { onDelete: "set null" }),
    reportsResolved: integer("reports_resolved").notNull().default(0),
    ...actorColumns(),
    createdAt: createdAt(),
  },
  (t) => [
    index("moderation_actions_item_idx").on(t.itemId, t.createdAt),
    index("moderation_actions_plugin_idx").on(t.pluginId, t.createdAt),
    check("moderation_actions_action_check", oneOf(t.action, MODERATION_ACTIONS)),
    ...subjectChecks("moderation_actions", t),
    actorCheck("moderation_actions", t),
  ],
);

/**
 * A report by one workspace (design.md §45). `reporter_user_id` is the user behind it (for a key,
 * its creator, else the key's own id): one open report per subject and version for each workspace
 * and for each reporter, enforced by two partial unique indexes so racing requests cannot both land.
 * `listed_version` is the subject's listed version when reported: a dismissed version-less report
 * may be filed again once that changed.
 */
export const reports = pgTable(
  "reports",
  {
    id: id(),
    ...subjectColumns(),
    listedVersion: text("listed_version"),
    reason: text("reason").$type<(typeof REPORT_REASONS)[number]>().notNull(),
    details: text("details"),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    ...actorColumns(),
    reporterUserId: uuid("reporter_user_id").notNull(),
    status: text("status").$type<(typeof REPORT_STATUSES)[number]>().notNull().default("open"),
    actionId: uuid("action_id").references((): AnyPgColumn => moderationActions.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("reports_open_workspace_key")
      .on(t.workspaceId, sql`coalesce(${t.itemId}, ${t.pluginId})`, sql`coalesce(${t.version}, '')`)
      .where(sql`${t.status} = 'open'`),
    uniqueIndex("reports_open_reporter_key")
      .on(t.reporterUserId, sql`coalesce(${t.itemId}, ${t.pluginId})`, sql`coalesce(${t.version}, '')`)
      .where(sql`${t.status} = 'open'`),
    index("reports_open_idx").on(t.createdAt).where(sql`${t.status} = 'open'`),
    index("reports_workspace_idx").on(t.workspaceId, t.createdAt),
    index("reports_item_idx").on(t.itemId),
    index("reports_plugin_idx").on(t.pluginId),
    check("reports_reason_check", oneOf(t.reason, REPORT_REASONS)),
    check("reports_status_check", oneOf(t.status, REPORT_STATUSES)),
    check("reports_resolved_check", sql`(${t.status} = 'resolved') = (${t.resolvedAt} is not null)`),
    check("reports_details_check", sql`${t.reason} <> 'other' or ${t.details} is not null`),
    ...subjectChecks("reports", t),
    actorCheck("reports", t),
  ],
);

/**
 * A publisher's appeal of one moderation action, at most one per action (design.md §37: 409
 * `appeal_exists`, enforced by the unique `action_id`). Answered by the next resolve on its subject
 * and version, whose action is `answer_action_id`.
 */
export const appeals = pgTable(
  "appeals",
  {
    id: id(),
    actionId: uuid("action_id")
      .notNull()
      .references(() => moderationActions.id, { onDelete: "cascade" }),
    itemId: uuid("item_id")
      .notNull()
      .references(() => items.id, { onDelete: "cascade" }),
    version: text("version").notNull(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    message: text("message").notNull(),
    status: text("status").$type<(typeof APPEAL_STATUSES)[number]>().notNull().default("open"),
    answerActionId: uuid("answer_action_id").references(() => moderationActions.id, { onDelete: "set null" }),
    ...actorColumns(),
    createdAt: createdAt(),
    answeredAt: timestamp("answered_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("appeals_action_key").on(t.actionId),
    index("appeals_open_idx").on(t.createdAt).where(sql`${t.status} = 'open'`),
    index("appeals_item_idx").on(t.itemId, t.version),
    check("appeals_status_check", oneOf(t.status, APPEAL_STATUSES)),
    check("appeals_answered_check", sql`(${t.status} = 'answered') = (${t.answeredAt} is not null)`),
    actorCheck("appeals", t),
  ],
);
