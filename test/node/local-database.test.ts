import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { startLocalDatabase } from "../../scripts/stack/local-database";

// Issue 10 item 9: npm run dev prefers a private PostgreSQL cluster under .data/ and falls back to
// PGlite. These use their own folders, never the developer's .data. LOCAL_DATABASE=pglite (a PGlite
// run of the suite) would force PGlite here too: this file's own process tests the choice without it.
delete process.env.LOCAL_DATABASE;
const root = mkdtempSync(join(tmpdir(), "local-db-"));
chmodSync(root, 0o755); // as root, the cluster runs as `postgres`, which must reach its data dir
const dirs = { postgres: join(root, "postgres"), pglite: join(root, "pglite") };
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

it("runs a private PostgreSQL cluster that keeps its data across restarts", async () => {
  // Like the cache in the test stack, never silently skipped: installs postgresql when root.
  const first = await startLocalDatabase({ install: true, dirs });
  try {
    expect(first.kind).toBe("postgres");
    expect(first.dataDir).toBe(dirs.postgres);
    await query(first.url, "create table kept (v int); insert into kept values (7)");
    const [version] = await query<{ v: string }>(first.url, "select current_setting('server_version_num') as v");
    expect(Number(version!.v)).toBeGreaterThanOrEqual(150000);
  } finally {
    await first.close();
  }
  const second = await startLocalDatabase({ install: false, dirs });
  try {
    expect(await query(second.url, "select v from kept")).toEqual([{ v: 7 }]);
  } finally {
    await second.close();
  }
}, 300_000);

it("falls back to PGlite when told to, saying why", async () => {
  const local = await startLocalDatabase({ install: false, pgliteOnly: true, dirs });
  try {
    expect(local).toMatchObject({ kind: "pglite", dataDir: dirs.pglite, note: "no PostgreSQL cluster under .data/" });
    expect(await query(local.url, "select 1 as one")).toEqual([{ one: 1 }]);
  } finally {
    await local.close();
  }
}, 60_000);
