import { neon, neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle as drizzleHttp, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import { drizzle as drizzlePool, type NeonDatabase } from "drizzle-orm/neon-serverless";
import type { SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema";

export type Schema = typeof schema;
/** WebSocket pool: interactive transactions and multi-statement work. */
export type Database = NeonDatabase<Schema>;
/** SQL over HTTP: one round trip, the fastest path for one-shot reads (Neon's guidance). */
export type ReadDatabase = NeonHttpDatabase<Schema>;

/** Either client, or a transaction: what query functions in src/db/queries accept. */
export type Queryable = PgDatabase<PgQueryResultHKT, Schema>;

/** Rows of a raw SQL statement, whichever client runs it (both drivers return `{ rows }`). */
export async function rowsOf<T>(db: Queryable, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/**
 * How long the pool waits to open a connection before the query fails (then 503
 * `database_unavailable`): without it, an endpoint that accepts but never answers holds the request
 * until the platform cancels it. pg-pool's `connectionTimeoutMillis`, honoured by Neon's Pool.
 */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Deadline of one SQL-over-HTTP query (connect, run, answer), after which it fails with Neon's
 * "Error connecting to database" (then 503): fetch itself never gives up on an endpoint that
 * accepts and stays silent. Ten times the slowest p99 in the bench reports, so a slow query under
 * load is not cut short.
 */
export const HTTP_QUERY_TIMEOUT_MS = 10_000;

/** The driver's fetch, with the deadline unless the caller brought its own signal. */
const fetchWithDeadline = (input: RequestInfo | URL, init?: RequestInit) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(HTTP_QUERY_TIMEOUT_MS) });

export interface DatabaseClients {
  /** Created on first use, so requests served from cache never open a WebSocket. */
  readonly pool: Database;
  readonly http: ReadDatabase;
  /** Ends the pool if one was opened; call through waitUntil. */
  close(): Promise<void>;
}

export interface DatabaseEnv {
  DATABASE_URL: string;
  LOCAL_NEON_PROXY?: string;
}

/**
 * Points the Neon driver at the local relay (scripts/local/neon-relay.ts). Only when the local-only
 * variable is set, so production keeps the driver's defaults. The settings are module-global in the
 * driver, and identical for every request of an isolate.
 */
function configureLocalNeon(proxy: string): void {
  neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
  neonConfig.fetchEndpoint = `http://${proxy}/sql`;
}

export function createDatabaseClients(env: DatabaseEnv): DatabaseClients {
  // Module-global in the driver, like the local settings; the same for every request. Set when a
  // client is first used, so a request served from the cache does no database set-up at all.
  const configure = () => {
    neonConfig.fetchFunction = fetchWithDeadline;
    if (env.LOCAL_NEON_PROXY) configureLocalNeon(env.LOCAL_NEON_PROXY);
  };
  let pool: Pool | undefined;
  let poolDb: Database | undefined;
  let httpDb: ReadDatabase | undefined;
  return {
    get pool() {
      if (!poolDb) {
        configure();
        pool = new Pool({ connectionString: env.DATABASE_URL, max: 4, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
        // An idle pooled connection erroring (e.g. the relay going away) must not crash the isolate.
        pool.on("error", () => {});
        poolDb = drizzlePool({ client: pool, schema });
      }
      return poolDb;
    },
    get http() {
      if (!httpDb) {
        configure();
        httpDb = drizzleHttp({ client: neon(env.DATABASE_URL), schema });
      }
      return httpDb;
    },
    async close() {
      const opened = pool;
      pool = undefined;
      poolDb = undefined;
      if (opened) await opened.end().catch(() => {});
    },
  };
}
