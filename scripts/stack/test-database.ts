import pg from "pg";
import { findDebianPostgresBin, startDebianPostgres } from "../local/debian-postgres";
import { findPgbouncerBinary, installPgbouncer, startPgbouncer } from "../local/pgbouncer";
import { startEmbeddedPostgres } from "./embedded-postgres";

export interface TestDatabase {
  kind: "postgres" | "embedded";
  /** What it is, for the log: "PostgreSQL behind PgBouncer", "PostgreSQL", "embedded PostgreSQL (PGlite)". */
  label: string;
  /** The suite's database. */
  url: string;
  /**
   * A connection string to the server's `postgres` database, where more databases can be created
   * (PostgreSQL only; PGlite holds one database per process).
   */
  serverUrl?: string;
  /** Why the run is not on PostgreSQL, or not behind the pooler, when it is not. */
  note?: string;
  /** Process groups this spawned, for cleaning up after a crash. */
  processGroups: number[];
  close(): Promise<void>;
}

/** The suite's database on a test server: one database per run is enough (issue 25 item 3). */
export const SUITE_DATABASE = "marketplace_test";

/**
 * PgBouncer's server connections per database: the concurrency tests open 100 at once, the
 * cluster allows 300 (startDebianPostgres), and the node tests' own databases share the rest.
 */
const POOL_SIZE = 120;

/**
 * The database `npm test` runs against (issue 25 item 3): a throwaway Debian PostgreSQL cluster (a
 * temp dir, fsync off, gone after the run) when the machine has PostgreSQL, behind PgBouncer in
 * session mode when it has or can install it (scripts/local/pgbouncer.ts says why); the embedded
 * PGlite in memory otherwise, or when `LOCAL_DATABASE=pglite` asks for it (CI's PGlite run), or
 * when the cluster does not start (`note` says why). Never installs PostgreSQL itself: a machine
 * without it runs on PGlite.
 */
export async function startTestDatabase(
  log: (line: string) => void = () => {},
  /** How the cluster is started (a test passes one that fails). */
  startCluster: (log: (line: string) => void) => Promise<TestDatabase> = startTestCluster,
): Promise<TestDatabase> {
  let note: string | undefined;
  if (process.env.LOCAL_DATABASE === "pglite") note = "LOCAL_DATABASE=pglite";
  else if (!findDebianPostgresBin()) note = "PostgreSQL is not installed (apt-get install -y postgresql)";
  if (!note) {
    try {
      return await startCluster(log);
    } catch (error) {
      note = `PostgreSQL did not start: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
    }
  }
  const embedded = await startEmbeddedPostgres();
  return { kind: "embedded", label: "embedded PostgreSQL (PGlite)", url: embedded.url, note, processGroups: [], close: () => embedded.close() };
}

/** A throwaway cluster with the suite's database, behind PgBouncer when there is one. */
async function startTestCluster(log: (line: string) => void): Promise<TestDatabase> {
  let note: string | undefined;
  const cluster = await startDebianPostgres();
  const closers: Array<() => Promise<void>> = [() => cluster.close()];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => {});
  };
  try {
    const processGroups = [cluster.pid];
    let port = cluster.port;
    if (!findPgbouncerBinary()) {
      log("database: pgbouncer is missing; installing it with apt-get ...");
      const installed = installPgbouncer();
      if (!installed.ok) note = `${installed.message}; connections go to PostgreSQL directly (slower)`;
    }
    if (findPgbouncerBinary()) {
      const bouncer = await startPgbouncer({ postgresPort: cluster.port, poolSize: POOL_SIZE });
      closers.push(() => bouncer.close());
      processGroups.push(bouncer.pid);
      port = bouncer.port;
    }
    const serverUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    await createDatabase(serverUrl, SUITE_DATABASE);
    const label = port === cluster.port ? "PostgreSQL" : "PostgreSQL behind PgBouncer";
    return { kind: "postgres", label, url: `postgresql://postgres@127.0.0.1:${port}/${SUITE_DATABASE}`, serverUrl, note, processGroups, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Creates an empty database on the server `serverUrl` reaches; `name` must be a plain identifier. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database made by createDatabase, closing whatever is still connected to it. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}
