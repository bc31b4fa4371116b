import { DrizzleQueryError } from "drizzle-orm";

/** The Postgres error behind a failed query, wherever the driver and drizzle put it. */
function pgError(error: unknown): { code?: string; constraint?: string } | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (typeof candidate.code === "string" && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return { code: candidate.code, constraint: typeof candidate.constraint === "string" ? candidate.constraint : undefined };
    }
    current = candidate.cause;
  }
  return undefined;
}

/** True for a unique violation, of `constraint` when given (the database decides conflicts, not a read-then-write). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const found = pgError(error);
  return found?.code === "23505" && (!constraint || found.constraint === constraint);
}

/**
 * The constraint (unique index) a unique violation names, "" when the driver did not say, or
 * undefined when `error` is not a unique violation.
 */
export function uniqueViolationConstraint(error: unknown): string | undefined {
  const found = pgError(error);
  return found?.code === "23505" ? (found.constraint ?? "") : undefined;
}

// SQLSTATEs that mean "the database cannot serve this now", not "this request is wrong":
// class 08 (connection exception), 53300 too_many_connections, 57P01–57P03 (shutdown, cannot
// connect now). PostgreSQL appendix A, "PostgreSQL Error Codes".
const UNAVAILABLE_SQLSTATE = /^(08...|53300|57P0[123])$/;
// What @neondatabase/serverless and workerd say when the endpoint cannot be reached or drops
// (`not queryable`: the ROLLBACK after a connection was killed mid-transaction, whose error
// replaces the first one).
const UNREACHABLE_MESSAGE = /error connecting to database|network connection lost|fetch failed|connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|ECONNREFUSED|too many clients/i;

/**
 * True when a query failed because the database could not be reached or refused the connection
 * (rendered as 503 `database_unavailable` with Retry-After, never 500). Only errors raised by the
 * driver or by drizzle around it count, so an application bug stays a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const found = pgError(error);
  if (found?.code && UNAVAILABLE_SQLSTATE.test(found.code)) return true;
  let current: unknown = error;
  let fromDatabase = false;
  for (let depth = 0; current && depth < 5; depth++) {
    const candidate = current as { name?: unknown; message?: unknown; cause?: unknown };
    // drizzle's DrizzleQueryError keeps the default name "Error", hence instanceof; its own message
    // quotes the SQL and its parameters (request input), so only its causes' messages are read.
    const wrapper = current instanceof DrizzleQueryError;
    if (wrapper || candidate.name === "DrizzleQueryError" || candidate.name === "NeonDbError") fromDatabase = true;
    if (fromDatabase && !wrapper && typeof candidate.message === "string" && UNREACHABLE_MESSAGE.test(candidate.message)) return true;
    current = candidate.cause;
  }
  return false;
}

// SQLSTATEs of a transaction that lost a race, not of a wrong request: 40001 serialization_failure,
// 40P01 deadlock_detected, 55P03 lock_not_available (PostgreSQL appendix A). Retrying succeeds.
const LOST_RACE_SQLSTATE = /^(40001|40P01|55P03)$/;

/**
 * True when a transaction was aborted because it collided with a concurrent one (a deadlock, a
 * serialization failure, a lock it could not get). Rendered as 503 `database_busy` with
 * Retry-After 1: nothing was written (PostgreSQL rolled the transaction back), and a retry succeeds.
 */
export function isLostRace(error: unknown): boolean {
  const found = pgError(error);
  return Boolean(found?.code && LOST_RACE_SQLSTATE.test(found.code));
}
