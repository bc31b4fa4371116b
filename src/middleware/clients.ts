import type { MiddlewareHandler } from "hono";
import { createCache } from "../clients/cache";
import { createStorage } from "../clients/storage";
import { createDatabaseClients } from "../db/client";
import type { AppEnv } from "../env";

/**
 * Builds the per-request clients. Workers forbid sharing I/O objects across requests, so nothing
 * here may live at module scope; the pool is opened lazily and closed after the response.
 */
export const clients: MiddlewareHandler<AppEnv> = async (c, next) => {
  const db = createDatabaseClients(c.env);
  c.set("db", db);
  c.set("cache", createCache(c.env, c.get("logger")));
  c.set("storage", createStorage(c.env.BUNDLES));
  try {
    await next();
  } finally {
    c.executionCtx.waitUntil(db.close());
  }
};
