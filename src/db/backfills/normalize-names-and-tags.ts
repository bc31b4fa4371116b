import { sql } from "drizzle-orm";
import { nameSkeleton } from "../../domain/names";
import { rowsOf, type Queryable } from "../client";
import type { Backfill } from "./index";
import { nameChanged, planNames, type NamedRow, type PlannedName } from "./planned-names";

interface Row extends NamedRow {
  type: string;
  owner_type: string;
  workspace_id: string | null;
  removed_at: string | null;
}

type Planned = PlannedName<Row>;

const BATCH = 1000;

/** Which unique index a row's name counts in (the partial indexes of src/db/schema/catalog.ts). */
function nameKey(row: Row, name: string): string {
  const marketplace = row.owner_type === "marketplace" || row.removed_at !== null;
  // PostgreSQL's lower() and toLowerCase() agree outside rare scripts; a disagreement fails the
  // backfill on the unique index (rolled back whole), it never stores a duplicate.
  return marketplace ? `m\u0000${row.type}\u0000${nameSkeleton(name)}` : `w\u0000${row.workspace_id}\u0000${row.type}\u0000${name.toLowerCase()}`;
}

/**
 * Plans the new name, skeleton and tags of every item. Names and tags are cleaned (src/domain/names.ts
 * `cleanName`, tags.ts `cleanTags`). Where two names now clash — on the look-alike skeleton among
 * marketplace (and removed) items of a type, ignoring case among a workspace's items of a type — the
 * OLDEST item (created_at, then id) keeps the name and each younger one gets the first free " (2)",
 * " (3)", … suffix. Nothing fails and nothing is merged; every rename is written to the audit log.
 */
export function planNormalization(rows: Row[]): Planned[] {
  return planNames(rows, (row) => `Untitled ${row.type}`, nameKey);
}

async function moveAside(db: Queryable, batch: Planned[]) {
  await db.execute(sql`
    update items set name = chr(1) || id::text, name_skeleton = chr(1) || id::text
    where id = any(${sql.param(batch.map((p) => p.row.id))}::uuid[])`);
}

async function writeFinal(db: Queryable, batch: Planned[]) {
  await db.execute(sql`
    update items
    set name = v.name, name_skeleton = v.skeleton, tags = v.tags::jsonb, actor_type = 'system', actor_id = null
    from unnest(
      ${sql.param(batch.map((p) => p.row.id))}::uuid[],
      ${sql.param(batch.map((p) => p.name))}::text[],
      ${sql.param(batch.map((p) => p.skeleton))}::text[],
      ${sql.param(batch.map((p) => JSON.stringify(p.tags)))}::text[]
    ) as v(id, name, skeleton, tags)
    where items.id = v.id`);
}

async function inBatches(db: Queryable, all: Planned[], write: (db: Queryable, batch: Planned[]) => Promise<void>) {
  for (let i = 0; i < all.length; i += BATCH) await write(db, all.slice(i, i + BATCH));
}

async function auditRenames(db: Queryable, batch: Planned[]) {
  await db.execute(sql`
    insert into audit_log (actor_type, action, target_type, target_id, workspace_id, reason, details)
    select 'system', 'rename', 'item', v.id, v.workspace_id,
           'Names normalized (issue 9): NFC, spaces collapsed, invisible characters removed, look-alike duplicates suffixed.',
           v.details::jsonb
    from unnest(
      ${sql.param(batch.map((p) => p.row.id))}::uuid[],
      ${sql.param(batch.map((p) => p.row.workspace_id))}::uuid[],
      ${sql.param(batch.map((p) => JSON.stringify({ from: p.row.name, to: p.name, collided_with: p.collidedWith ?? null })))}::text[]
    ) as v(id, workspace_id, details)`);
}

/**
 * Issue 9 items 3 and 4 for rows written before the rules: normalizes every item's name and tags and
 * computes `name_skeleton` (migration 0003_name_skeleton left a per-row placeholder). Collisions:
 * keep the oldest, suffix the others (see `planNormalization`). Idempotent: a second run changes nothing.
 */
export const normalizeNamesAndTags: Backfill = {
  id: "0003-normalize-names-and-tags",
  description: "Normalize item names and tags; compute look-alike name skeletons (issue 9 items 3, 4)",
  async run(db) {
    const rows = await rowsOf<Row>(
      db,
      sql`select id, type, name, name_skeleton, tags, owner_type, workspace_id, removed_at::text as removed_at
          from items order by created_at, id`,
    );
    const changes = planNormalization(rows).filter(nameChanged);
    await inBatches(db, changes, moveAside);
    await inBatches(db, changes, writeFinal);
    await inBatches(db, changes.filter((p) => p.name !== p.row.name), auditRenames);
  },
};
