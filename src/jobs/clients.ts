import { createCache } from "../clients/cache";
import { createDatabaseClients } from "../db/client";
import type { Bindings } from "../env";
import { createLogger, type Level, type Logger } from "../lib/logger";
import type { RescanDeps } from "../services/plugins/rescan";

const LEVELS = new Set<Level>(["debug", "info", "warn", "error"]);

/** A job's log lines carry the job's name and trigger instead of a request id. */
export function jobLogger(env: Pick<Bindings, "LOG_LEVEL">, base: Record<string, unknown>): Logger {
  const level = env.LOG_LEVEL && LEVELS.has(env.LOG_LEVEL as Level) ? (env.LOG_LEVEL as Level) : "info";
  return createLogger(base, level);
}

/**
 * Runs `work` with the clients a background job needs (PostgreSQL pool, Redis, R2), built for this
 * invocation as middleware/clients.ts builds them per request (Workers forbid sharing I/O objects
 * across invocations); the pool is closed afterwards through `waitUntil`.
 */
export async function withJobClients<T>(env: Bindings, ctx: Pick<ExecutionContext, "waitUntil">, logger: Logger, work: (deps: RescanDeps) => Promise<T>): Promise<T> {
  const db = createDatabaseClients(env);
  try {
    return await work({ db: db.pool, cache: createCache(env, logger), bucket: env.BUNDLES, logger });
  } finally {
    ctx.waitUntil(db.close());
  }
}
