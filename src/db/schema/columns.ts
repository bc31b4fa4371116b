import { sql } from "drizzle-orm";
import { check, customType, integer, text, timestamp, uuid } from "drizzle-orm/pg-core";

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

// Semantic versioning 2.0.0 core + optional pre-release/build (https://semver.org, §2, §9, §10).
export const SEMVER_PATTERN =
  "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$";
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
