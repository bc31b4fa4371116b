import { sql } from "drizzle-orm";
import { check, customType, integer, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { SEMVER_PATTERN } from "../../domain/version-pattern";
import { VERSION_STATUSES } from "../../domain/version-status";

export const id = () => uuid("id").primaryKey().defaultRandom();

export const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
export const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();

/**
 * Who performed the last write (design.md §8): a user or an API key. `system` covers the seed
 * and migrations, the only writers without an id.
 */
export const actorColumns = () => ({
  actorType: text("actor_type").notNull(),
  actorId: uuid("actor_id"),
});

export const ACTOR_TYPES = ["user", "api_key", "system"] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export const actorCheck = (table: string, t: { actorType: unknown; actorId: unknown }) =>
  check(
    `${table}_actor_check`,
    sql`(${t.actorType} in ('user', 'api_key') and ${t.actorId} is not null) or (${t.actorType} = 'system' and ${t.actorId} is null)`,
  );

/** SQL fragment for a CHECK that a text column holds one of a fixed set of values. */
export const oneOf = (column: unknown, values: readonly string[]) =>
  sql`${column} in (${sql.raw(values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", "))})`;

export const isSemver = (column: unknown) => sql`${column} ~ ${sql.raw(`'${SEMVER_PATTERN}'`)}`;

/** URL- and storage-key-safe identifiers (workspaces, categories, plugins). */
export const isSlug = (column: unknown) => sql`${column} ~ '^[a-z0-9][a-z0-9-]{0,62}$'`;

/** The columns every category table has (item categories, plugin categories). */
export const categoryColumns = () => ({
  id: id(),
  slug: text("slug").notNull(),
  name: text("name").notNull(),
  description: text("description"),
  icon: text("icon"),
  sortOrder: integer("sort_order").notNull().default(0),
  createdAt: createdAt(),
});

export const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/**
 * A version's status after approval and who set it last (design.md §23, §33), on item_versions and
 * plugin_versions alike. `status_previous` is what a quarantine interrupted (`release` restores it);
 * `replacement_item_id` is the item a deprecated or yanked version points users to (kept through a
 * quarantine so a release can restore it; shown only while the status is deprecated or yanked).
 */
export const versionStatusColumns = () => ({
  status: text("status").$type<(typeof VERSION_STATUSES)[number]>().notNull().default("active"),
  statusMessage: text("status_message"),
  statusPrevious: text("status_previous").$type<(typeof VERSION_STATUSES)[number]>(),
  statusChangedAt: timestamp("status_changed_at", { withTimezone: true }),
  statusActorType: text("status_actor_type").$type<ActorType>(),
  statusActorId: uuid("status_actor_id"),
  replacementItemId: uuid("replacement_item_id"),
});

export const versionStatusChecks = (
  table: string,
  t: { status: unknown; statusPrevious: unknown; statusActorType: unknown; statusActorId: unknown },
) => [
  check(`${table}_status_check`, oneOf(t.status, VERSION_STATUSES)),
  check(`${table}_status_previous_check`, sql`${t.statusPrevious} is null or ${oneOf(t.statusPrevious, ["active", "deprecated", "yanked"])}`),
  check(
    `${table}_status_actor_check`,
    sql`${t.statusActorType} is null or (${t.statusActorType} in ('user', 'api_key') and ${t.statusActorId} is not null) or (${t.statusActorType} = 'system' and ${t.statusActorId} is null)`,
  ),
];
