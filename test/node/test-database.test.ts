import pg from "pg";
import { describe, expect, it } from "vitest";
import { findPgbouncerBinary } from "../../scripts/local/pgbouncer";
import { runDatabaseServer, serverDatabase } from "./scratch-database";

// Issue 25 item 3: on a PostgreSQL run, the server sits behind PgBouncer (when installed, as the setup
// does when it may), and a file may have an empty database of its own there. Which database a run
// picked is checked in run-database.test.ts, on both.

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe("a PostgreSQL run's server (scripts/stack/test-database.ts)", () => {
  it.runIf(runDatabaseServer() && !process.env.TEST_DATABASE_URL)("reaches PostgreSQL through PgBouncer when pgbouncer is installed (another port than the server's own)", async () => {
    const url = new URL(runDatabaseServer()!);
    const [row] = await query<{ port: number; version: number }>(url.toString(), "select inet_server_port() as port, current_setting('server_version_num')::int as version");
    expect(row!.version).toBeGreaterThanOrEqual(150000);
    expect(row!.port !== Number(url.port)).toBe(findPgbouncerBinary() !== null);
  });

  it.runIf(runDatabaseServer())("gives a file an empty database of its own, and drops it", async () => {
    const own = await serverDatabase("test database check");
    expect(own).toBeDefined();
    const name = new URL(own!.url).pathname.slice(1);
    expect(name).toMatch(/^test_database_check_\d+_\d+_\d+$/);
    expect(await query(own!.url, "select count(*)::int as n from pg_tables where schemaname = 'public'")).toEqual([{ n: 0 }]);
    await own!.drop();
    expect(await query(runDatabaseServer()!, `select datname from pg_database where datname = '${name}'`)).toEqual([]);
  });
});
