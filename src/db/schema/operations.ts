import { sql } from "drizzle-orm";
import { bigint, check, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { EVENT_AUDIENCES, EVENT_TYPES } from "../../domain/events";
import { actorCheck, actorColumns, createdAt, id, oneOf } from "./columns";
import { items, itemVersions } from "./catalog";
import { workspaces } from "./identity";

/**
 * Every install, kept forever (design.md §6). The partial unique index is what turns a second
 * install of the same item into a 409; uninstalling sets uninstalled_at instead of deleting.
 */
export const marketplaceInstalls = pgTable(
  "marketplace_installs",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    itemId: uuid("item_id")
      .notNull()
      .references(() => items.id, { onDelete: "restrict" }),
    versionId: uuid("version_id")
      .notNull()
      .references(() => itemVersions.id, { onDelete: "restrict" }),
    cloneId: uuid("clone_id").references(() => items.id, { onDelete: "set null" }),
    ...actorColumns(),
    installedAt: timestamp("installed_at", { withTimezone: true }).notNull().defaultNow(),
    uninstalledAt: timestamp("uninstalled_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("marketplace_installs_active_key")
      .on(t.workspaceId, t.itemId)
      .where(sql`${t.uninstalledAt} is null`),
    index("marketplace_installs_item_idx").on(t.itemId, t.installedAt),
    index("marketplace_installs_clone_idx").on(t.cloneId),
    check("marketplace_installs_window_check", sql`${t.uninstalledAt} is null or ${t.uninstalledAt} >= ${t.installedAt}`),
    actorCheck("marketplace_installs", t),
  ],
);

export const AUDIT_TARGET_TYPES = ["item", "item_version", "plugin", "plugin_version", "user", "workspace", "api_key", "report", "appeal"] as const;

export const auditLog = pgTable(
  "audit_log",
  {
    id: id(),
    ...actorColumns(),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: uuid("target_id").notNull(),
    workspaceId: uuid("workspace_id").references(() => workspaces.id, { onDelete: "set null" }),
    reason: text("reason"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    requestId: text("request_id"),
    createdAt: createdAt(),
  },
  (t) => [
    index("audit_log_created_idx").on(t.createdAt.desc(), t.id),
    index("audit_log_target_idx").on(t.targetType, t.targetId, t.createdAt.desc()),
    index("audit_log_action_idx").on(t.action, t.createdAt.desc()),
    index("audit_log_actor_idx").on(t.actorId, t.createdAt.desc()),
    check("audit_log_target_type_check", oneOf(t.targetType, AUDIT_TARGET_TYPES)),
    actorCheck("audit_log", t),
  ],
);

export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    responseStatus: integer("response_status"),
    response: jsonb("response"),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ name: "idempotency_keys_pkey", columns: [t.workspaceId, t.key] }),
    index("idempotency_keys_expires_idx").on(t.expiresAt),
    check("idempotency_keys_key_check", sql`length(${t.key}) between 1 and 255`),
  ],
);

/**
 * The event outbox (design.md §24, §30, §31): one row per change, written only by
 * `appendEvents` (src/db/queries/events.ts) as the last statement of the change's transaction,
 * after an advisory lock, so ids commit in order and a reader's `WHERE id > $after ORDER BY id`
 * never skips a row that commits later. Types and audiences come from src/domain/events.ts.
 */
export const catalogEvents = pgTable(
  "catalog_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    type: text("type").notNull(),
    audience: text("audience").notNull(),
    itemId: uuid("item_id"),
    pluginId: uuid("plugin_id"),
    // No foreign keys: an event outlives what it is about (a deleted plugin, a deleted workspace).
    workspaceId: uuid("workspace_id"),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index("catalog_events_workspace_idx").on(t.workspaceId, t.id),
    check("catalog_events_type_check", oneOf(t.type, Object.keys(EVENT_TYPES))),
    check("catalog_events_audience_check", oneOf(t.audience, EVENT_AUDIENCES)),
    check("catalog_events_workspace_check", sql`(${t.audience} = 'workspace') = (${t.workspaceId} is not null)`),
    check("catalog_events_data_check", sql`jsonb_typeof(${t.data}) = 'object'`),
  ],
);

/**
 * The takedown generation (design.md §29): one row, bumped inside every transaction that takes
 * content away (a version status change, plugin deactivate, reactivate, delete). Assembled-context
 * and plugin-content caches serve an entry only when its tag carries the current value, read from
 * here, never from Redis, so a lost Redis write can never keep taken-down content served.
 */
export const catalogState = pgTable(
  "catalog_state",
  {
    id: smallint("id").primaryKey().default(1),
    takedownGeneration: bigint("takedown_generation", { mode: "number" }).notNull().default(0),
  },
  (t) => [check("catalog_state_singleton_check", sql`${t.id} = 1`)],
);

/**
 * Per-workspace context generation (design.md §29): bumped inside every transaction that changes
 * an input of the workspace's assembled contexts (enable, disable, pin move, assignment, install,
 * update, agent edit). A missing row reads as 0.
 */
export const workspaceGenerations = pgTable("workspace_generations", {
  workspaceId: uuid("workspace_id")
    .primaryKey()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  generation: bigint("generation", { mode: "number" }).notNull().default(0),
});

/**
 * Progress of a background job (design.md §41): one row per job name. `cursor` is the job's own
 * resume point, `lease_until` keeps a second runner out while one works (a crashed runner's lease
 * simply expires).
 */
export const jobState = pgTable("job_state", {
  name: text("name").primaryKey(),
  cursor: jsonb("cursor").$type<Record<string, unknown>>().notNull().default({}),
  leaseUntil: timestamp("lease_until", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
