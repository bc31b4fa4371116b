import pg from "pg";
import { findDebianPostgresBin, startDebianPostgres } from "../local/debian-postgres";
import { startEmbeddedPostgres } from "../stack/embedded-postgres";

export interface BenchDatabase {
  url: string;
  /** Which database this is, as the report names it. */
  name: string;
  /** `select version()`. */
  version: string;
  close(): Promise<void>;
}

/** The URL without a password, for printing. */
function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

export async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>("select version()");
    return rows[0]!.version;
  } finally {
    await client.end();
  }
}

/**
 * BENCH_DATABASE_URL, else a throwaway Debian PostgreSQL cluster, else embedded PGlite. One
 * database serves both catalog sizes, so the 1k and 100k figures differ only by the data.
 */
export async function openBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  const external = process.env.BENCH_DATABASE_URL;
  if (external) {
    return { url: external, name: `BENCH_DATABASE_URL (${redacted(external)})`, version: await serverVersion(external), close: async () => {} };
  }
  if (findDebianPostgresBin()) {
    const started = Date.now();
    const cluster = await startDebianPostgres();
    log(`database: fresh Debian PostgreSQL cluster on 127.0.0.1:${cluster.port} in ${Date.now() - started} ms`);
    const version = await serverVersion(cluster.connectionString).catch(async (error: unknown) => {
      await cluster.close();
      throw error;
    });
    return { url: cluster.connectionString, name: `fresh Debian PostgreSQL cluster (${cluster.connectionString})`, version, close: () => cluster.close() };
  }
  log("database: no Debian PostgreSQL under /usr/lib/postgresql; using embedded PGlite (one query at a time: expect low uncached figures)");
  const embedded = await startEmbeddedPostgres({});
  const version = await serverVersion(embedded.url).catch(async (error: unknown) => {
    await embedded.close();
    throw error;
  });
  return { url: embedded.url, name: `embedded PGlite, in memory (${redacted(embedded.url)})`, version, close: () => embedded.close() };
}

/**
 * A new, empty database `name` on the server of `url` (dropped first if a previous run left it),
 * or undefined when the server refuses (a managed BENCH_DATABASE_URL without CREATEDB, PGlite).
 * Returns its URL and a function that drops it.
 */
export async function createSideDatabase(url: string, name: string): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  try {
    await admin(`drop database if exists "${name}"`);
    await admin(`create database "${name}"`);
  } catch {
    return undefined;
  }
  const side = new URL(url);
  side.pathname = `/${name}`;
  return { url: side.toString(), drop: () => admin(`drop database if exists "${name}" with (force)`) };
}
