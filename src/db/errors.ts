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
