// @module-tag pglite (which database the run picked: also run on the embedded database; test/suite-layout.ts)
import pg from "pg";
import { describe, expect, it } from "vitest";
import { findDebianPostgresBin } from "../../scripts/local/debian-postgres";
import { findPgbouncerBinary } from "../../scripts/local/pgbouncer";
import { createDatabase, dropDatabase } from "../../scripts/stack/test-database";
import { runDatabaseServer, serverDatabase } from "./scratch-database";

// Issue 25 item 3: `npm test` runs on PostgreSQL when the machine has it (behind PgBouncer when that
// is installed, as the setup does when it may), on PGlite otherwise or when LOCAL_DATABASE=pglite.

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe("the run's database (scripts/stack/test-database.ts)", () => {
  it("is PostgreSQL when the machine has it and LOCAL_DATABASE is not pglite, else PGlite, which offers no server for more databases", () => {
    const expectPostgres = findDebianPostgresBin() !== null && process.env.LOCAL_DATABASE !== "pglite" && !process.env.TEST_DATABASE_URL;
    if (process.env.TEST_DATABASE_URL) return expect(runDatabaseServer()).toBe(process.env.TEST_DATABASE_URL);
    expect(runDatabaseServer() !== undefined).toBe(expectPostgres);
  });

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

  it("refuses a database name that is not a plain identifier, before connecting", async () => {
    await expect(createDatabase("postgresql://127.0.0.1:9/postgres", "x; drop database postgres")).rejects.toThrow("not a plain database name");
    await expect(dropDatabase("postgresql://127.0.0.1:9/postgres", "Robert'); --")).rejects.toThrow("not a plain database name");
  });
});
