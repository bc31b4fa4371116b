import { randomBytes } from "node:crypto";
import { startNeonRelay } from "../local/neon-relay";
import { findRedisServerBinary, installRedisServer, startRedisServer } from "../local/redis-server";
import { startUpstashShim } from "../local/upstash-shim";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { startLocalDatabase } from "./local-database";
import { applyMigrations } from "./migrate";
import { startTestDatabase } from "./test-database";

export interface StackOptions {
  /** A real Postgres to use instead of the embedded one. */
  databaseUrl?: string;
  /**
   * Without databaseUrl: `memory` is an in-memory PGlite; `test` is a throwaway PostgreSQL cluster
   * behind PgBouncer when the machine has PostgreSQL, else PGlite in memory (npm test;
   * test-database.ts); `local` is the developer's database under .data/, a private PostgreSQL
   * cluster when possible, else PGlite (npm run dev). Default: memory.
   */
  localDatabase?: "memory" | "test" | "local";
  /**
   * Both install redis-server with apt when it is missing and we may (root with apt-get).
   * `require`: otherwise fail with the command to run (tests never silently skip the cache).
   * `optional`: otherwise run with the cache off and say which command would turn it on (dev).
   */
  redis: "require" | "optional";
  log?: (line: string) => void;
}

/** What the worker needs to reach the stack; becomes its vars/bindings. */
export interface StackBindings {
  DATABASE_URL: string;
  LOCAL_NEON_PROXY?: string;
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
}

export interface RoundTrips {
  /** Database round trips at the Neon relay (HTTP /sql requests + WebSocket query cycles). */
  database: number;
  /** HTTP requests at the local Upstash endpoint. */
  upstash: number;
}

export interface Stack {
  bindings: StackBindings;
  /** embedded = PGlite; postgres = a local cluster (dev's under .data/, or the test run's); external = databaseUrl. */
  database: "embedded" | "postgres" | "external";
  /**
   * A connection string to the database server's `postgres` database, where a test may create a
   * database of its own (PostgreSQL only: the test cluster, or databaseUrl's server).
   */
  databaseServer?: string;
  /** Where the local database keeps its data, when it is kept. */
  dataDir?: string;
  /** Why dev runs on PGlite rather than PostgreSQL, when it does. */
  databaseNote?: string;
  cache: "on" | "off";
  /** Why the cache is off, when it is. */
  cacheNote?: string;
  /** Process groups of servers this stack spawned (redis-server), for cleaning up after a crash. */
  processGroups: number[];
  /** redis-server's port, when the cache is on (test/node/faults.test.ts stops and restarts it). */
  redisPort?: number;
  /** How long each part took to start, in ms (database, migrations, relay, cache): `npm run test:profile`. */
  timings: Record<string, number>;
  /** Round trips counted at the local endpoints since the stack started (bench, round-trip tests). */
  roundTrips(): RoundTrips;
  close(): Promise<void>;
}

export function isLoopbackUrl(databaseUrl: string): boolean {
  const host = new URL(databaseUrl).hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? (() => {});
  const closers: Array<() => Promise<void>> = [];
  const processGroups: number[] = [];
  const timings: Record<string, number> = {};
  let lap = Date.now();
  const mark = (part: string) => {
    const now = Date.now();
    timings[part] = now - lap;
    lap = now;
  };
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => {});
  };
  try {
    let databaseUrl = opts.databaseUrl;
    let database: Stack["database"] = "external";
    let dataDir: string | undefined;
    let databaseNote: string | undefined;
    let databaseServer: string | undefined;
    if (!databaseUrl && opts.localDatabase === "test") {
      const started = Date.now();
      const test = await startTestDatabase(log);
      closers.push(() => test.close());
      processGroups.push(...test.processGroups);
      databaseUrl = test.url;
      database = test.kind;
      databaseServer = test.serverUrl;
      databaseNote = test.note;
      log(`database: ${test.label} at ${new URL(test.url).host} in ${Date.now() - started} ms${test.note ? ` (${test.note})` : ""}`);
    } else if (!databaseUrl && opts.localDatabase === "local") {
      const started = Date.now();
      const local = await startLocalDatabase({ install: true, log });
      closers.push(() => local.close());
      processGroups.push(...local.processGroups);
      databaseUrl = local.url;
      database = local.kind === "postgres" ? "postgres" : "embedded";
      dataDir = local.dataDir;
      databaseNote = local.note;
      log(`database: ${local.kind === "postgres" ? "PostgreSQL" : "embedded PostgreSQL (PGlite)"} at ${new URL(local.url).host} in ${Date.now() - started} ms`);
    } else if (!databaseUrl) {
      const started = Date.now();
      const embedded = await startEmbeddedPostgres();
      closers.push(() => embedded.close());
      databaseUrl = embedded.url;
      database = "embedded";
      log(`database: embedded PostgreSQL (PGlite) on 127.0.0.1:${embedded.port} in ${Date.now() - started} ms`);
    } else {
      databaseServer = databaseUrl;
      const given = new URL(databaseUrl);
      log(`database: ${given.host}${given.pathname} (given)`);
    }
    mark("database");
    await applyMigrations(databaseUrl);
    mark("migrations");

    const bindings: StackBindings = { DATABASE_URL: databaseUrl };
    let databaseRoundTrips = () => 0;
    let upstashRequests = () => 0;
    // Neon's driver speaks WebSocket and HTTP; a plain Postgres on this machine needs the relay.
    if (isLoopbackUrl(databaseUrl)) {
      const relay = await startNeonRelay({});
      closers.push(() => relay.close());
      databaseRoundTrips = () => relay.counters().total;
      bindings.LOCAL_NEON_PROXY = `127.0.0.1:${relay.port}`;
    }
    mark("relay");

    let cacheNote: string | undefined;
    let redisPort: number | undefined;
    let binary = findRedisServerBinary();
    if (!binary) {
      // Dev and tests alike install it when they may (root with apt-get), so a fresh machine's
      // `npm run dev` has the cache, rate limits and plugin cache on (issue 17 item 5).
      log("cache: redis-server is missing; installing it with apt-get ...");
      const installed = installRedisServer();
      if (!installed.ok && opts.redis === "require") {
        throw new Error(`redis-server is required for the tests. ${installed.message}`);
      }
      if (!installed.ok) cacheNote = `${installed.message}; the cache is off`;
      binary = findRedisServerBinary();
    }
    if (binary) {
      const redis = await startRedisServer({});
      closers.push(() => redis.close());
      processGroups.push(redis.pid);
      redisPort = redis.port;
      const shim = await startUpstashShim({ redisPort: redis.port, token: randomBytes(16).toString("hex") });
      closers.push(() => shim.close());
      upstashRequests = () => shim.requests();
      bindings.UPSTASH_REDIS_REST_URL = shim.url;
      bindings.UPSTASH_REDIS_REST_TOKEN = shim.token;
      log(`cache: redis-server on 127.0.0.1:${redis.port} behind the local Upstash endpoint ${shim.url}`);
    }
    mark("cache");
    return {
      bindings,
      database,
      databaseServer,
      dataDir,
      databaseNote,
      cache: binary ? "on" : "off",
      cacheNote,
      processGroups,
      redisPort,
      timings,
      roundTrips: () => ({ database: databaseRoundTrips(), upstash: upstashRequests() }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
