import { env } from "cloudflare:workers";
import { afterAll } from "vitest";
import { createDatabaseClients, type DatabaseClients } from "../../src/db/client";

/**
 * The same Neon driver the worker uses, opened for one test file and closed after it.
 * Each file calls this once at top level.
 */
export function useDatabase(): DatabaseClients {
  const clients = createDatabaseClients(env);
  afterAll(() => clients.close());
  return clients;
}

/** The SQLSTATE of a failed query, wherever the driver and drizzle put it. */
export function sqlState(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export async function expectSqlState(promise: Promise<unknown>, state: string | readonly string[]): Promise<void> {
  const accepted = typeof state === "string" ? [state] : state;
  try {
    await promise;
  } catch (error) {
    const got = sqlState(error);
    if (!got || !accepted.includes(got)) throw new Error(`expected SQLSTATE ${accepted.join(" or ")}, got ${got}: ${String(error)}`);
    return;
  }
  throw new Error(`expected SQLSTATE ${accepted.join(" or ")}, but the statement succeeded`);
}

export const UNIQUE_VIOLATION = "23505";
export const FOREIGN_KEY_VIOLATION = "23503";
export const CHECK_VIOLATION = "23514";
// PostgreSQL 18 reports ON DELETE RESTRICT as restrict_violation (23001); 15 (Debian, today's Neon
// default) as foreign_key_violation (23503). Either means the delete was refused.
export const RESTRICT_VIOLATION = ["23001", "23503"] as const;
