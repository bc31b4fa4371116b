import { sql, type SQL } from "drizzle-orm";
import type { Permissions } from "../../domain/permissions";
import type { VersionStatus } from "../../domain/version-status";
import { rowsOf, type Queryable } from "../client";

/**
 * What the background rescan reads (issue 28 item 4; design.md §41, §44): approved plugin versions
 * whose current verdict, their newest scan row, came from another scanner engine than `engine`, or
 * that have no scan row at all. Versions are walked in id order, so a cursor (the last id done)
 * resumes a pass; the newest scan is the one `latestScanOf` reads (scanned_at, then id).
 */

/** The version row is `v`; true when its newest scan is not by `engine` (or it has none). */
const isStale = (engine: string): SQL =>
  sql`v.approval_status = 'approved'
      and coalesce((select s.engine_version from plugin_security_scans s
                    where s.plugin_version_id = v.id
                    order by s.scanned_at desc, s.id desc limit 1), '') <> ${engine}`;

/** Ids of up to `limit` stale versions after `after` (exclusive; null: from the start), in id order. */
export async function staleVersionIds(db: Queryable, engine: string, opts: { after: string | null; limit: number }): Promise<string[]> {
  const rows = await rowsOf<{ id: string }>(
    db,
    sql`select v.id from plugin_versions v
        where ${isStale(engine)} ${opts.after ? sql`and v.id > ${opts.after}::uuid` : sql``}
        order by v.id limit ${opts.limit}`,
  );
  return rows.map((r) => r.id);
}

/** How many approved versions still wait for a scan by `engine`. */
export async function countStaleVersions(db: Queryable, engine: string): Promise<number> {
  const [row] = await rowsOf<{ n: number }>(db, sql`select count(*)::int as n from plugin_versions v where ${isStale(engine)}`);
  return row?.n ?? 0;
}

/** A version as the rescan needs it. */
export interface RescanVersion {
  id: string;
  pluginId: string;
  version: string;
  storagePrefix: string;
  fileCount: number;
  status: VersionStatus;
  permissions: Permissions;
}

/**
 * Claims one version for this transaction (`FOR UPDATE SKIP LOCKED`, design.md §41) if it is still
 * stale: undefined when another runner holds it or it was scanned by `engine` since it was listed.
 * Call inside a transaction; the claim ends with it.
 */
export async function claimStaleVersion(tx: Queryable, engine: string, id: string): Promise<RescanVersion | undefined> {
  const [row] = await rowsOf<{ id: string; plugin_id: string; version: string; storage_prefix: string; file_count: number; status: VersionStatus; permissions: Permissions }>(
    tx,
    sql`select v.id, v.plugin_id, v.version, v.storage_prefix, v.file_count, v.status, v.permissions
        from plugin_versions v
        where v.id = ${id}::uuid and ${isStale(engine)}
        for update of v skip locked`,
  );
  return row && { id: row.id, pluginId: row.plugin_id, version: row.version, storagePrefix: row.storage_prefix, fileCount: row.file_count, status: row.status, permissions: row.permissions };
}
