import { and, eq, isNull, sql } from "drizzle-orm";
import { rowsOf, type Queryable } from "../client";
import { idempotencyKeys } from "../schema";

/** How long a key is remembered (issue 12 item 2). */
export const IDEMPOTENCY_TTL_HOURS = 24;
/** A claim older than this with no response is treated as abandoned (a crashed request) and taken over. */
export const IDEMPOTENCY_LEASE_SECONDS = 120;

/**
 * Claims a key in one statement: inserts it, or takes over an expired or abandoned one. True when
 * this request now owns the key. A concurrent claimer waits on the primary key and then sees the
 * row as held, so exactly one request runs.
 */
export async function claimIdempotencyKey(db: Queryable, workspaceId: string, key: string, requestHash: string): Promise<boolean> {
  const rows = await rowsOf<{ key: string }>(
    db,
    sql`insert into ${idempotencyKeys} (workspace_id, key, request_hash, expires_at)
        values (${workspaceId}, ${key}, ${requestHash}, now() + make_interval(hours => ${IDEMPOTENCY_TTL_HOURS}))
        on conflict (workspace_id, key) do update
          set request_hash = excluded.request_hash, response_status = null, response = null, created_at = now(), expires_at = excluded.expires_at
          where ${idempotencyKeys.expiresAt} <= now()
             or (${idempotencyKeys.responseStatus} is null and ${idempotencyKeys.createdAt} < now() - make_interval(secs => ${IDEMPOTENCY_LEASE_SECONDS}))
        returning key`,
  );
  return rows.length === 1;
}

/** The stored record of a key, whatever its state (running, answered, expired). */
export async function findIdempotencyKey(db: Queryable, workspaceId: string, key: string) {
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.workspaceId, workspaceId), eq(idempotencyKeys.key, key)))
    .limit(1);
  return row;
}

/** Stores the response, in the transaction of the work it describes, so both commit together. */
export async function storeIdempotentResponse(db: Queryable, workspaceId: string, key: string, status: number, response: unknown) {
  await db
    .update(idempotencyKeys)
    .set({ responseStatus: status, response })
    .where(and(eq(idempotencyKeys.workspaceId, workspaceId), eq(idempotencyKeys.key, key)));
}

/** Frees a claim whose request failed, so a retry runs again. */
export async function releaseIdempotencyKey(db: Queryable, workspaceId: string, key: string) {
  await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.workspaceId, workspaceId), eq(idempotencyKeys.key, key), isNull(idempotencyKeys.responseStatus)));
}
