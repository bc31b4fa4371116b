import { eq, sql } from "drizzle-orm";
import { rowsOf, type Queryable } from "../client";
import { jobState } from "../schema";

/**
 * `job_state` (design.md §41): one row per background job, holding its progress (`cursor`, a JSON
 * object the job owns) and a lease (`lease_until`) that keeps a second runner out while one works.
 * A runner that dies simply lets its lease expire. All times are given by the caller ("now" comes
 * from the scheduled event or the request), so a job never mixes clocks.
 */

export interface JobStateRow {
  cursor: Record<string, unknown>;
  leaseUntil: Date | null;
  updatedAt: Date;
}

/**
 * Takes the job's lease until `until` when nobody holds it at `now` (no row, no lease, or an
 * expired one), creating the row if needed. Returns the job's cursor, or undefined when another
 * runner holds the lease. One statement, so two runners can never both win.
 */
export async function takeJobLease(db: Queryable, name: string, now: Date, until: Date): Promise<Record<string, unknown> | undefined> {
  const [row] = await rowsOf<{ cursor: Record<string, unknown> }>(
    db,
    sql`insert into job_state (name, cursor, lease_until, updated_at)
        values (${name}, '{}'::jsonb, ${until.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
        on conflict (name) do update set lease_until = excluded.lease_until, updated_at = excluded.updated_at
          where job_state.lease_until is null or job_state.lease_until <= ${now.toISOString()}::timestamptz
        returning cursor`,
  );
  return row?.cursor;
}

/**
 * Ends a lease taken with `takeJobLease(…, until)`: writes `cursor` unless the job was reset while
 * the runner worked (the stored cursor's `run_id` is no longer `runId`: the reset's fresh state is
 * kept), and clears the lease. Does nothing when the lease is no longer this runner's (it expired
 * and another runner took it).
 */
export async function releaseJobLease(db: Queryable, name: string, lease: { until: Date; runId: string | null }, cursor: Record<string, unknown>, now: Date): Promise<void> {
  await db.execute(
    sql`update job_state
        set cursor = case when cursor->>'run_id' is not distinct from ${lease.runId}::text then ${JSON.stringify(cursor)}::jsonb else cursor end,
            lease_until = null,
            updated_at = ${now.toISOString()}::timestamptz
        where name = ${name} and lease_until = ${lease.until.toISOString()}::timestamptz`,
  );
}

/** Replaces a job's cursor (an admin's restart), leaving any lease in place: a running batch finishes, then sees the new run. */
export async function resetJobState(db: Queryable, name: string, cursor: Record<string, unknown>, now: Date): Promise<void> {
  await db
    .insert(jobState)
    .values({ name, cursor, updatedAt: now })
    .onConflictDoUpdate({ target: jobState.name, set: { cursor, updatedAt: now } });
}

/** The job's row, or undefined before its first run. */
export async function readJobState(db: Queryable, name: string): Promise<JobStateRow | undefined> {
  const [row] = await db.select({ cursor: jobState.cursor, leaseUntil: jobState.leaseUntil, updatedAt: jobState.updatedAt }).from(jobState).where(eq(jobState.name, name));
  return row;
}

/**
 * Saves the job's cursor while this runner holds the lease (`until`), unless the job was reset
 * meanwhile (the stored `run_id` is no longer `runId`), keeping the lease: what a job writes before
 * a step that could kill its isolate (design.md §41: resumable), since such a death skips
 * `releaseJobLease`. True when it was written.
 */
export async function saveJobCursor(db: Queryable, name: string, lease: { until: Date; runId: string | null }, cursor: Record<string, unknown>): Promise<boolean> {
  const rows = await rowsOf<{ name: string }>(
    db,
    sql`update job_state set cursor = ${JSON.stringify(cursor)}::jsonb
        where name = ${name} and lease_until = ${lease.until.toISOString()}::timestamptz
          and cursor->>'run_id' is not distinct from ${lease.runId}::text
        returning name`,
  );
  return rows.length > 0;
}
