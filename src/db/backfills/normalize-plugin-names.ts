import { sql } from "drizzle-orm";
import { nameSkeleton } from "../../domain/names";
import { rowsOf, type Queryable } from "../client";
import type { Backfill } from "./index";
import { nameChanged, planNames, type NamedRow, type PlannedName } from "./planned-names";

interface Row extends NamedRow {
  slug: string;
}

/**
 * Plans each plugin's name, skeleton and tags under the rules of item names (issue 26 item 2; a
 * name with nothing visible becomes the slug). Plugin names are unique on their look-alike
 * skeleton, so where two now share one the OLDEST plugin keeps it and each younger one is suffixed
 * (planned-names.ts `planNames`).
 */
export function planPluginNames(rows: Row[]): PlannedName<Row>[] {
  return planNames(rows, (row) => row.slug, (_row, name) => nameSkeleton(name));
}

/**
 * Issue 26 item 2 for plugins written before the rules: cleans every plugin's name and tags and
 * computes `name_skeleton` (migration 0007_plugin_name_skeleton left a per-row placeholder).
 * Collisions: the oldest keeps the name, the others are suffixed (see `planPluginNames`); each
 * rename is written to the audit log. Idempotent: a second run changes nothing. Plugins are few
 * (admin uploads), so one statement per step writes them all.
 */
export const normalizePluginNames: Backfill = {
  id: "0007-normalize-plugin-names",
  description: "Normalize plugin names and tags; compute look-alike name skeletons (issue 26 item 2)",
  async run(db: Queryable) {
    const rows = await rowsOf<Row>(db, sql`select id, slug, name, name_skeleton, tags from marketplace_plugins order by created_at, id`);
    const changes = planPluginNames(rows).filter(nameChanged);
    if (!changes.length) return;
    const ids = sql.param(changes.map((p) => p.row.id));
    // Every changing row first moves to its unique placeholder, so no final skeleton meets an old one in the index.
    await db.execute(sql`update marketplace_plugins set name_skeleton = chr(1) || id::text where id = any(${ids}::uuid[])`);
    await db.execute(sql`
      update marketplace_plugins
      set name = v.name, name_skeleton = v.skeleton, tags = v.tags::jsonb, actor_type = 'system', actor_id = null
      from unnest(
        ${ids}::uuid[],
        ${sql.param(changes.map((p) => p.name))}::text[],
        ${sql.param(changes.map((p) => p.skeleton))}::text[],
        ${sql.param(changes.map((p) => JSON.stringify(p.tags)))}::text[]
      ) as v(id, name, skeleton, tags)
      where marketplace_plugins.id = v.id`);
    const renamed = changes.filter((p) => p.name !== p.row.name);
    if (!renamed.length) return;
    await db.execute(sql`
      insert into audit_log (actor_type, action, target_type, target_id, reason, details)
      select 'system', 'rename', 'plugin', v.id,
             'Plugin names normalized (issue 26): NFC, spaces collapsed, invisible characters removed, look-alike duplicates suffixed.',
             v.details::jsonb
      from unnest(
        ${sql.param(renamed.map((p) => p.row.id))}::uuid[],
        ${sql.param(renamed.map((p) => JSON.stringify({ from: p.row.name, to: p.name, collided_with: p.collidedWith ?? null })))}::text[]
      ) as v(id, details)`);
  },
};
