import { z } from "@hono/zod-openapi";
import { decodeBase64Url, encodeBase64Url } from "hono/utils/encode";
import { ApiError } from "./errors";

/**
 * Opaque keyset cursors for lists that change while they are walked (design.md §51, §54; issue 30
 * item 3, after sonatype/nexus-public#318 where offset paging skipped entries): base64url (no
 * padding) of `{"v":1,"sort":…,"key":[value,id]}`, the sort key and id of the last entry returned.
 * The next page starts strictly after that key in the list's order, so an entry present for the
 * whole walk whose sort key did not change is returned exactly once, whatever is inserted or
 * removed meanwhile. Timestamps are carried as text with microseconds (PostgreSQL's precision), so
 * two entries within one millisecond are still told apart.
 */

/** The sort a cursor walks: the catalog's `newest` and `name`, and the installed list's `installed_at`. */
export type CursorSort = "newest" | "name" | "installed";

export type CursorKey = [value: string, id: string];

const CursorBody = z.object({
  v: z.literal(1),
  sort: z.enum(["newest", "name", "installed"]),
  key: z.tuple([z.string().max(1000), z.uuid()]),
});

/** The cursor pointing after the entry with this sort value and id. */
export function encodeCursor(sort: CursorSort, key: CursorKey): string {
  const json = JSON.stringify({ v: 1, sort, key });
  return encodeBase64Url(new TextEncoder().encode(json).buffer as ArrayBuffer).replace(/=+$/, "");
}

/**
 * The sort and key of a cursor this API wrote. 400 `invalid_cursor` for anything else (not
 * base64url JSON of that shape, another version, a timestamp that is not one).
 */
export function decodeCursor(text: string): { sort: CursorSort; key: CursorKey } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(decodeBase64Url(text)));
  } catch {
    throw invalidCursor();
  }
  const body = CursorBody.safeParse(parsed);
  if (!body.success) throw invalidCursor();
  const { sort, key } = body.data;
  if (sort !== "name" && !TIMESTAMP_KEY.test(key[0])) throw invalidCursor();
  // No name this API stores holds a NUL or a lone surrogate (PostgreSQL text cannot hold either): refuse, never pass to SQL.
  if (/\u0000|\p{Cs}/u.test(key[0])) throw invalidCursor();
  return { sort, key: [key[0], key[1].toLowerCase()] };
}

/** The text form of a timestamp key: UTC, microseconds (src/db/queries/keyset.ts timestampKey writes it). */
export const TIMESTAMP_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const invalidCursor = () => new ApiError(400, "invalid_cursor", "The cursor is not one this API returned; start the walk again without it.");

/** 400 `cursor_unsupported`: a cursor with `offset`, `search` or an order it cannot walk (design.md §51). */
export const cursorUnsupported = (why: string) =>
  new ApiError(
    400,
    "cursor_unsupported",
    `A cursor cannot be used ${why}: a cursor walk takes no offset and no search, and keeps its order (sort=newest or sort=name on the catalog and plugin lists). Follow next_cursor alone, or page by offset.`,
  );

/** The query parameter, shared by the lists that accept it. */
export const CursorParam = z
  .string()
  .min(1)
  .max(2000)
  .optional()
  .openapi({
    description:
      "Recommended for walking a list that may change meanwhile: the `next_cursor` of the previous page (keyset on the sort key and id; design.md §51). Every entry present for the whole walk whose sort key did not change is returned exactly once, whatever is added or removed between pages. Not with `offset` or `search` (400 `cursor_unsupported`); an unknown cursor is 400 `invalid_cursor`.",
  });

export const NextCursorField = z
  .string()
  .nullable()
  .optional()
  .openapi({
    description:
      "Where the next page starts (pass it as `cursor`); null on the last page. Present on the first page and on every cursor page of a walkable order (design.md §54), absent on offset pages past the first.",
  });

/**
 * The page after `rows` (already limited to `limit + 1` by the caller): the first `limit` entries
 * and the cursor after the last of them, or null when there was no further entry.
 */
export function cursorPage<T>(rows: T[], limit: number, sort: CursorSort, keyOf: (row: T) => CursorKey): { rows: T[]; next_cursor: string | null } {
  if (rows.length <= limit) return { rows, next_cursor: null };
  const page = rows.slice(0, limit);
  return { rows: page, next_cursor: encodeCursor(sort, keyOf(page[page.length - 1]!)) };
}

/** How one request to a list that accepts a cursor pages (pagingOf). */
export interface Paging<S extends string> {
  /** The order: the request's, else the cursor's, else the list's default. */
  sort: S;
  limit: number;
  offset: number;
  /** The cursor's key: the page starts after it. */
  after?: CursorKey;
  /** Whether the answer carries `next_cursor`: a cursor page, or the first offset page of a walkable order (design.md §54). */
  withCursor: boolean;
  /** A cursor page answers without `offset`. */
  byCursor: boolean;
}

/**
 * Reads `cursor`, `offset`, `search` and `sort` of a list request (design.md §51): a cursor needs a
 * walkable order and neither `offset` nor `search` (else 400 `cursor_unsupported`), and must be one
 * this API wrote for that order (else 400 `invalid_cursor`); without `sort` it walks the cursor's
 * order. `defaultSort` is the list's order when neither the request nor a cursor names one.
 */
export function pagingOf<S extends string>(
  query: { limit: number; offset?: number; cursor?: string; search?: string; sort?: S },
  walkable: readonly (S & CursorSort)[],
  defaultSort: S,
): Paging<S> {
  const offset = query.offset ?? 0;
  if (query.cursor === undefined) {
    const sort = query.sort ?? defaultSort;
    const withCursor = !query.search && offset === 0 && (walkable as readonly string[]).includes(sort);
    return { sort, limit: query.limit, offset, withCursor, byCursor: false };
  }
  if (query.offset !== undefined) throw cursorUnsupported("with offset");
  if (query.search) throw cursorUnsupported("with a search");
  if (query.sort !== undefined && !(walkable as readonly string[]).includes(query.sort)) throw cursorUnsupported(`with sort=${query.sort}`);
  const cursor = decodeCursor(query.cursor);
  if (!(walkable as readonly string[]).includes(cursor.sort) || (query.sort !== undefined && query.sort !== cursor.sort)) throw invalidCursor();
  return { sort: cursor.sort as S, limit: query.limit, offset: 0, after: cursor.key, withCursor: true, byCursor: true };
}

/** The paging fields of an answer: `offset` unless walked by cursor, `next_cursor` when the request may walk on. */
export function pagingFields(paging: Paging<string>, nextCursor: string | null) {
  return {
    limit: paging.limit,
    ...(paging.byCursor ? {} : { offset: paging.offset }),
    ...(paging.withCursor ? { next_cursor: nextCursor } : {}),
  };
}
