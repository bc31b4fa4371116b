import type { Cache } from "./clients/cache";
import type { DatabaseClients } from "./db/client";
import type { Logger } from "./lib/logger";
import type { Storage } from "./clients/storage";

/** Worker bindings: vars from wrangler.toml, secrets from `wrangler secret put` or .dev.vars. */
export interface Bindings {
  ENVIRONMENT: "development" | "test" | "staging" | "production";
  DATABASE_URL: string;
  /** Local only: host:port of the WebSocket/SQL-over-HTTP relay that stands in for Neon's proxy. */
  LOCAL_NEON_PROXY?: string;
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** debug | info | warn | error (default info). */
  LOG_LEVEL?: string;
  /** Comma-separated origins the frontend is served from. */
  CORS_ORIGINS?: string;
  /** Mounts routes that exist only for the test suite (request-body validation probes). */
  ENABLE_TEST_ROUTES?: string;
  BUNDLES: R2Bucket;
}

export interface Variables {
  requestId: string;
  logger: Logger;
  db: DatabaseClients;
  cache: Cache;
  storage: Storage;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
