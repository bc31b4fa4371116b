import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { actorCheck, actorColumns, categoryColumns, createdAt, id, isSemver, isSlug, oneOf, updatedAt, versionStatusChecks, versionStatusColumns } from "./columns";
import { items } from "./catalog";
import { REVIEW_STATUSES } from "../../domain/version-status";
import { NO_PERMISSIONS, NO_PERMISSIONS_HASH, type Permissions } from "../../domain/permissions";
import { SCAN_TRIGGERS } from "../../domain/scan-engine";
import { users, workspaces } from "./identity";

export const SECURITY_STATUSES = ["pending", "safe", "review_required", "blocked"] as const;
export const SCAN_STAGE_STATUSES = ["not_run", "passed", "flagged", "failed"] as const;

export const pluginCategories = pgTable(
  "plugin_categories",
  {
    ...categoryColumns(),
    parentId: uuid("parent_id").references((): AnyPgColumn => pluginCategories.id, { onDelete: "set null" }),
  },
  (t) => [
    uniqueIndex("plugin_categories_slug_key").on(t.slug),
    check("plugin_categories_slug_check", isSlug(t.slug)),
  ],
);

/** A plugin: one row per slug; its releases live in plugin_versions (the original could hold one version only). */
export const marketplacePlugins = pgTable(
  "marketplace_plugins",
  {
    id: id(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    // The look-alike key plugin names are unique on (src/domain/names.ts `nameSkeleton`, issue 26
    // item 2), written with the name by src/db/queries/plugins.ts; never set it directly.
    nameSkeleton: text("name_skeleton").notNull(),
    description: text("description"),
    longDescription: text("long_description"),
    categoryId: uuid("category_id").references(() => pluginCategories.id, { onDelete: "set null" }),
    tags: jsonb("tags").$type<string[]>().notNull().default([]),
    originalAuthor: text("original_author"),
    license: text("license"),
    sourceType: text("source_type").notNull().default("upload"),
    sourceUrl: text("source_url"),
    isActive: boolean("is_active").notNull().default(true),
    isFeatured: boolean("is_featured").notNull().default(false),
    // Maintained with `enable_count = enable_count ± 1` in the same transaction as the enablement row.
    enableCount: integer("enable_count").notNull().default(0),
    latestVersionId: uuid("latest_version_id").references((): AnyPgColumn => pluginVersions.id, { onDelete: "set null" }),
    ...actorColumns(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // The slug becomes an R2 key prefix, so its charset is closed (reference §9.18).
    uniqueIndex("marketplace_plugins_slug_key").on(t.slug),
    // Plugin names are unique on their confusable skeleton, case folded, as marketplace item names are per type.
    uniqueIndex("marketplace_plugins_name_skeleton_key").on(t.nameSkeleton),
    check("marketplace_plugins_slug_check", isSlug(t.slug)),
    check("marketplace_plugins_source_type_check", oneOf(t.sourceType, ["upload", "github"])),
    check("marketplace_plugins_enable_count_check", sql`${t.enableCount} >= 0`),
    check("marketplace_plugins_tags_check", sql`jsonb_typeof(${t.tags}) = 'array'`),
    index("marketplace_plugins_category_idx").on(t.categoryId),
    index("marketplace_plugins_featured_idx").on(t.isFeatured, t.enableCount.desc(), t.id),
    index("marketplace_plugins_name_trgm_idx").using("gin", sql`search_fold(${t.name}) gin_trgm_ops`),
    actorCheck("marketplace_plugins", t),
  ],
);

export const pluginVersions = pgTable(
  "plugin_versions",
  {
    id: id(),
    pluginId: uuid("plugin_id")
      .notNull()
      .references(() => marketplacePlugins.id, { onDelete: "cascade" }),
    version: text("version").notNull(),
    // R2 prefix `plugins/{slug}/{version}/`, derived from validated parts only.
    storagePrefix: text("storage_prefix").notNull(),
    manifest: jsonb("manifest").$type<Record<string, unknown>>().notNull(),
    bundleSha256: text("bundle_sha256").notNull(),
    bundleSizeBytes: bigint("bundle_size_bytes", { mode: "number" }).notNull(),
    fileCount: integer("file_count").notNull(),
    skillsCount: integer("skills_count").notNull().default(0),
    commandsCount: integer("commands_count").notNull().default(0),
    agentsCount: integer("agents_count").notNull().default(0),
    hooksCount: integer("hooks_count").notNull().default(0),
    tokenEstimate: integer("token_estimate").notNull().default(0),
    recommendedModels: jsonb("recommended_models").$type<string[]>().notNull().default([]),
    changelog: text("changelog"),
    // The canonical permission manifest (design.md §42) and its hash; versions from before issue 28 ask for none.
    permissions: jsonb("permissions").$type<Permissions>().notNull().default(NO_PERMISSIONS),
    permissionsHash: text("permissions_hash").notNull().default(NO_PERMISSIONS_HASH),
    securityStatus: text("security_status").notNull().default("pending"),
    approvalStatus: text("approval_status").notNull().default("pending"),
    rejectionReason: text("rejection_reason"),
    approvedByUserId: uuid("approved_by_user_id").references(() => users.id, { onDelete: "set null" }),
    approvedAt: timestamp("approved_at", { withTimezone: true }),
    ...versionStatusColumns(),
    ...actorColumns(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("plugin_versions_plugin_version_key").on(t.pluginId, t.version),
    index("plugin_versions_review_queue_idx").on(t.approvalStatus, t.createdAt),
    check("plugin_versions_version_check", isSemver(t.version)),
    check("plugin_versions_sha_check", sql`${t.bundleSha256} ~ '^[0-9a-f]{64}$'`),
    check("plugin_versions_permissions_hash_check", sql`${t.permissionsHash} ~ '^[0-9a-f]{64}$'`),
    check("plugin_versions_security_status_check", oneOf(t.securityStatus, SECURITY_STATUSES)),
    check("plugin_versions_approval_status_check", oneOf(t.approvalStatus, REVIEW_STATUSES)),
    check(
      "plugin_versions_rejection_check",
      sql`(${t.approvalStatus} = 'rejected') = (${t.rejectionReason} is not null)`,
    ),
    // A blocked bundle can never be approved (reference §9.17).
    check(
      "plugin_versions_blocked_check",
      sql`not (${t.approvalStatus} = 'approved' and ${t.securityStatus} in ('blocked', 'pending'))`,
    ),
    ...versionStatusChecks("plugin_versions", t),
    foreignKey({ name: "plugin_versions_replacement_fkey", columns: [t.replacementItemId], foreignColumns: [items.id] }).onDelete("set null"),
    actorCheck("plugin_versions", t),
  ],
);

export const pluginSecurityScans = pgTable(
  "plugin_security_scans",
  {
    id: id(),
    pluginVersionId: uuid("plugin_version_id")
      .notNull()
      .references(() => pluginVersions.id, { onDelete: "cascade" }),
    staticScanStatus: text("static_scan_status").notNull(),
    staticFindings: jsonb("static_findings").$type<unknown[]>().notNull().default([]),
    blockedPatternsFound: jsonb("blocked_patterns_found").$type<string[]>().notNull().default([]),
    llmScanStatus: text("llm_scan_status").notNull().default("not_run"),
    llmRiskScore: integer("llm_risk_score"),
    llmFindings: jsonb("llm_findings").$type<unknown[]>().notNull().default([]),
    llmSummary: text("llm_summary"),
    llmModelUsed: text("llm_model_used"),
    llmTokensUsed: integer("llm_tokens_used"),
    overallVerdict: text("overall_verdict").notNull(),
    scannedAt: timestamp("scanned_at", { withTimezone: true }).notNull().defaultNow(),
    scannedByUserId: uuid("scanned_by_user_id").references(() => users.id, { onDelete: "set null" }),
    // design.md §44: which rules produced this row, and why it ran. Rows from before issue 28 were
    // written by engine "2026.1" (the 24 line rules), so a rescan picks their versions up.
    engineVersion: text("engine_version").notNull().default("2026.1"),
    trigger: text("trigger").notNull().default("upload"),
  },
  (t) => [
    index("plugin_security_scans_version_idx").on(t.pluginVersionId, t.scannedAt.desc()),
    check("plugin_security_scans_static_check", oneOf(t.staticScanStatus, SCAN_STAGE_STATUSES)),
    check("plugin_security_scans_llm_check", oneOf(t.llmScanStatus, SCAN_STAGE_STATUSES)),
    check("plugin_security_scans_verdict_check", oneOf(t.overallVerdict, ["safe", "review_required", "blocked"])),
    check("plugin_security_scans_trigger_check", oneOf(t.trigger, SCAN_TRIGGERS)),
    check("plugin_security_scans_risk_check", sql`${t.llmRiskScore} is null or ${t.llmRiskScore} between 0 and 100`),
  ],
);

/** Enablement is pinned to a plugin version (design.md §8); the primary key makes "already enabled" a 409. */
export const workspaceEnabledPlugins = pgTable(
  "workspace_enabled_plugins",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    pluginId: uuid("plugin_id")
      .notNull()
      .references(() => marketplacePlugins.id, { onDelete: "cascade" }),
    pluginVersionId: uuid("plugin_version_id")
      .notNull()
      .references(() => pluginVersions.id, { onDelete: "restrict" }),
    enabledAt: timestamp("enabled_at", { withTimezone: true }).notNull().defaultNow(),
    // What the workspace consented to (design.md §42); enablements from before issue 28 accepted
    // their pinned version's permissions, which were none.
    acceptedPermissions: jsonb("accepted_permissions").$type<Permissions>().notNull().default(NO_PERMISSIONS),
    acceptedPermissionsHash: text("accepted_permissions_hash").notNull().default(NO_PERMISSIONS_HASH),
    ...actorColumns(),
  },
  (t) => [
    primaryKey({ name: "workspace_enabled_plugins_pkey", columns: [t.workspaceId, t.pluginId] }),
    index("workspace_enabled_plugins_plugin_idx").on(t.pluginId),
    actorCheck("workspace_enabled_plugins", t),
  ],
);

export const agentAssignedPlugins = pgTable(
  "agent_assigned_plugins",
  {
    agentId: uuid("agent_id").notNull(),
    agentType: text("agent_type").notNull().default("agent"),
    pluginId: uuid("plugin_id")
      .notNull()
      .references(() => marketplacePlugins.id, { onDelete: "cascade" }),
    // 0 is first; lower means more important.
    priority: integer("priority").notNull().default(0),
    assignedAt: timestamp("assigned_at", { withTimezone: true }).notNull().defaultNow(),
    ...actorColumns(),
  },
  (t) => [
    primaryKey({ name: "agent_assigned_plugins_pkey", columns: [t.agentId, t.pluginId] }),
    foreignKey({ name: "agent_assigned_plugins_agent_fkey", columns: [t.agentId, t.agentType], foreignColumns: [items.id, items.type] }).onDelete("cascade"),
    index("agent_assigned_plugins_plugin_idx").on(t.pluginId),
    check("agent_assigned_plugins_agent_type_check", sql`${t.agentType} = 'agent'`),
    check("agent_assigned_plugins_priority_check", sql`${t.priority} >= 0`),
    actorCheck("agent_assigned_plugins", t),
  ],
);
