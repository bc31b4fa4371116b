import { sql, type AnyColumn, type SQL } from "drizzle-orm";
import type { CursorKey, CursorSort } from "../../lib/cursor";

/**
 * SQL for keyset pages (design.md §51; src/lib/cursor.ts): the sort key a cursor carries, and the
 * condition "after this key" in a list's order, so every list that accepts a cursor writes both the
 * same way as its ORDER BY.
 */

/** A timestamp as cursors carry it: UTC text with microseconds (a JS Date would drop them). */
export const timestampKey = (column: AnyColumn | SQL) => sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The columns a catalog list (items or plugins) orders by: `created_at` for newest, `name` (compared lower-cased) for name. */
export interface KeysetColumns {
  createdAt: AnyColumn;
  name: AnyColumn;
  id: AnyColumn;
}

/**
 * The cursor key of a row in `sort`'s order, computed by PostgreSQL (lower() and the timestamp as
 * the ORDER BY sees them, not as JavaScript would), or null text for orders a cursor cannot walk.
 */
export function cursorKeyOf(sort: string, columns: KeysetColumns): SQL<string | null> {
  if (sort === "newest") return timestampKey(columns.createdAt);
  if (sort === "name") return sql<string>`lower(${columns.name})`;
  return sql<null>`null::text`;
}

/**
 * Rows strictly after `key` in the catalog orders: newest is `created_at desc, id asc`, name is
 * `lower(name) asc, id asc` (the ORDER BY of src/db/queries/catalog.ts and plugin-catalog.ts).
 */
export function afterKey(sort: Extract<CursorSort, "newest" | "name">, columns: KeysetColumns, [value, id]: CursorKey): SQL {
  if (sort === "newest") {
    return sql`(${columns.createdAt} < ${value}::timestamptz or (${columns.createdAt} = ${value}::timestamptz and ${columns.id} > ${id}::uuid))`;
  }
  return sql`(lower(${columns.name}) > ${value} or (lower(${columns.name}) = ${value} and ${columns.id} > ${id}::uuid))`;
}
