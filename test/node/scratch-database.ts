import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { inject } from "vitest";
import { MIGRATIONS_DIR } from "../../scripts/stack/paths";
import { startEmbeddedPostgres } from "../../scripts/stack/embedded-postgres";
import { createDatabase, dropDatabase } from "../../scripts/stack/test-database";

// Databases of a Node-project test file's own (migrations, backfills, a stack of its own), on the
// run's database server: about 0.2 s for an empty PostgreSQL database where an embedded one takes
// seconds to start (issue 25).

/**
 * The run's PostgreSQL server, as test/global-setup.ts provides it: undefined when the run is on
 * PGlite (one database per process) or outside the suite (the browser test's own run).
 */
export function runDatabaseServer(): string | undefined {
  try {
    return inject("databaseServer") || undefined;
  } catch {
    return undefined;
  }
}

let serial = 0;

/** A fresh, empty database named after `label` on the run's server; `drop` removes it. Undefined without a server. */
export async function serverDatabase(label: string): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const server = runDatabaseServer();
  if (!server) return undefined;
  serial += 1;
  const name = `${label.replace(/[^a-z0-9]+/gi, "_").toLowerCase()}_${process.pid}_${serial}_${Date.now()}`;
  const url = await createDatabase(server, name);
  return { url, drop: () => dropDatabase(server, name) };
}

/**
 * An empty database for a file that applies migrations or backfills itself: one on the run's
 * PostgreSQL server, else (a PGlite run) an embedded PostgreSQL of its own. `close` drops or stops it.
 */
export async function scratchDatabase(label: string): Promise<{ url: string; kind: "postgres" | "embedded"; close(): Promise<void> }> {
  const onServer = await serverDatabase(label);
  if (onServer) return { url: onServer.url, kind: "postgres", close: onServer.drop };
  const embedded = await startEmbeddedPostgres();
  return { url: embedded.url, kind: "embedded", close: () => embedded.close() };
}

/** Runs `run` with a client of its own connected to `url`, closed afterwards whatever happens. */
export async function withPgClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * Undoes migrations 0009 (permission manifests, scan engine versions, job_state) and 0010 (reports,
 * moderation actions, appeals): tests that replay an earlier migration delete the records of every
 * later one, so the migrator replays these too. (0010's audit target CHECK is dropped and re-added by
 * its own replay.) 0011 (search_fold: the folded search column and name indexes) needs no undo: it
 * is written to replay on top of itself (CREATE OR REPLACE, IF EXISTS / IF NOT EXISTS).
 */
export async function undoLaterMigrations(client: { query(sql: string): Promise<unknown> }) {
  await client.query("drop table if exists appeals, reports, moderation_actions");
  await client.query("drop table if exists job_state");
  await client.query("alter table plugin_security_scans drop column if exists engine_version, drop column if exists trigger");
  await client.query("alter table plugin_versions drop column if exists permissions, drop column if exists permissions_hash");
  await client.query("alter table workspace_enabled_plugins drop column if exists accepted_permissions, drop column if exists accepted_permissions_hash");
}

/**
 * Applies the committed migrations that come before the one whose tag ends with `tagSuffix`, from a
 * copy of drizzle/ with a shortened journal (so renumbering or later migrations change nothing), for
 * a test that gives that migration rows written by the old schema.
 */
export async function migrateToJustBefore(url: string, tagSuffix: string) {
  const folder = mkdtempSync(join(tmpdir(), "migrations-"));
  try {
    cpSync(MIGRATIONS_DIR, folder, { recursive: true });
    const journalPath = join(folder, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: Array<{ tag: string }> };
    const at = journal.entries.findIndex((e) => e.tag.endsWith(tagSuffix));
    if (at < 1) throw new Error(`no *${tagSuffix} migration in the journal`);
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
    await withPgClient(url, (client) => migrate(drizzle({ client }), { migrationsFolder: folder }));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
