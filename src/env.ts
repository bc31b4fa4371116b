import type { Cache } from "./clients/cache";
import type { Prefetched } from "./services/catalog-cache";
import type { ContextPrefetch } from "./services/plugins/context-cache";
import type { DatabaseClients } from "./db/client";
import type { Logger } from "./lib/logger";
import type { Storage } from "./clients/storage";
import type { JobMessage } from "./jobs/queue";
import type { Actor, Principal, WorkspaceContext } from "./services/auth/principal";

/** Worker bindings: vars from wrangler.toml, secrets from `wrangler secret put` or .dev.vars. */
export interface Bindings {
  ENVIRONMENT: "development" | "test" | "staging" | "production";
  DATABASE_URL: string;
  /** Local only: host:port of the WebSocket/SQL-over-HTTP relay that stands in for Neon's proxy. */
  LOCAL_NEON_PROXY?: string;
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** Deadline of each Redis request in ms (default 250); past it the request goes on without the cache. */
  CACHE_TIMEOUT_MS?: string;
  /** Bytes of assembled contexts an isolate keeps in memory, 0–67108864 (default 16 MiB; 0 turns the tier off). */
  CONTEXT_MEMORY_BYTES?: string;
  /** Most bytes a workspace's assembled contexts take in Redis, 0–67108864 (default 4 MiB; 0: never stored there). */
  CONTEXT_CACHE_WORKSPACE_BYTES?: string;
  /** debug | info | warn | error (default info). */
  LOG_LEVEL?: string;
  /** The API's public base URL (e.g. https://api.example.com), the `servers` entry of /openapi.json; default "/". */
  PUBLIC_URL?: string;
  /** Comma-separated origins the frontend is served from. */
  CORS_ORIGINS?: string;
  /** Clerk: the JWKS URL (production), or an SPKI PEM public key for networkless verification. */
  CLERK_JWKS_URL?: string;
  CLERK_JWT_PUBLIC_KEY?: string;
  /** Least seconds between JWKS downloads, unknown `kid`s included (default 30). */
  CLERK_JWKS_COOLDOWN_SECONDS?: string;
  /** Expected `iss`, checked when set. */
  CLERK_ISSUER?: string;
  /** Comma-separated allowed `azp` values (frontend origins), checked when set. */
  CLERK_AUTHORIZED_PARTIES?: string;
  /** "true" accepts Clerk sessions with pending tasks (`sts: "pending"`); refused with 401 otherwise. */
  CLERK_ALLOW_PENDING_SESSIONS?: string;
  /** Requests per minute per API key or user unless a key overrides it (design.md §14). */
  RATE_LIMIT_PER_MINUTE?: string;
  /** Failed uncached API-key lookups allowed per client address and minute before 429 (default 20). */
  API_KEY_LOOKUP_FAILURES_PER_MINUTE?: string;
  /** New catalog pages an API key's workspace or a user may store in Redis per minute, 0–1000000 (default 120); past it pages are served, not stored. */
  CATALOG_CACHE_FILLS_PER_MINUTE?: string;
  /**
   * Milliseconds a signed-in (Clerk JWT) reader's cached catalog page may be answered from the
   * isolate's memory with no round trip, 0–60000 (default 1000; 0 turns it off): design.md §26, §32.
   */
  CATALOG_FRESHNESS_MS?: string;
  /** Items /api/marketplace/featured returns by default (1–20, default 8). */
  FEATURED_DEFAULT_LIMIT?: string;
  /** Mounts the benchmark's floor route (never in production). */
  ENABLE_BENCH_ROUTES?: string;
  /** Mounts routes that exist only for the test suite (request-body validation probes). */
  ENABLE_TEST_ROUTES?: string;
  BUNDLES: R2Bucket;
  /** The `jobs` queue (design.md §41): background work asked for by requests and by the jobs themselves. */
  JOBS: Queue<JobMessage>;
  /** Workers Static Assets (`[assets]` in wrangler.toml): the docs UI's files under /docs/assets/. */
  ASSETS: Fetcher;
}

export interface Variables {
  requestId: string;
  logger: Logger;
  db: DatabaseClients;
  cache: Cache;
  storage: Storage;
  /** Set by the access gate on every non-public route. */
  principal: Principal;
  actor: Actor;
  /** The workspace the request acts in, when it names one (or the key's own on workspace routes). */
  workspace: WorkspaceContext | null;
  /** The catalog page the access gate read with the principal (one Redis round trip), if any. */
  catalogPrefetch?: Prefetched;
  /** The assembled-context tag read the access gate started for this request's workspace, if any. */
  contextPrefetch?: ContextPrefetch;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
