// @module-tag pglite (which database the run picked: also run on the embedded database; test/suite-layout.ts)
import pg from "pg";
import { describe, expect, it } from "vitest";
import { findDebianPostgresBin } from "../../scripts/local/debian-postgres";
import { createDatabase, dropDatabase, startTestDatabase } from "../../scripts/stack/test-database";
import { runDatabaseServer } from "./scratch-database";

// Issue 25 item 3: `npm test` runs on PostgreSQL when the machine has it, on PGlite otherwise or when
// LOCAL_DATABASE=pglite (CI's second run); TEST_DATABASE_URL names a database of one's own.

describe("the run's database (scripts/stack/test-database.ts)", () => {
  it("is PostgreSQL when the machine has it and LOCAL_DATABASE is not pglite, else PGlite, which offers no server for more databases", () => {
    const expectPostgres = findDebianPostgresBin() !== null && process.env.LOCAL_DATABASE !== "pglite" && !process.env.TEST_DATABASE_URL;
    if (process.env.TEST_DATABASE_URL) return expect(runDatabaseServer()).toBe(process.env.TEST_DATABASE_URL);
    expect(runDatabaseServer() !== undefined).toBe(expectPostgres);
  });

  it.runIf(findDebianPostgresBin())("falls back to PGlite, saying why, when the PostgreSQL cluster does not start", async () => {
    // As on a run that did not ask for PGlite, whatever this run asked for.
    const asked = process.env.LOCAL_DATABASE;
    delete process.env.LOCAL_DATABASE;
    const database = await startTestDatabase(undefined, async () => {
      throw new Error("initdb failed (exit 1): could not change directory\nmore detail");
    }).finally(() => {
      if (asked !== undefined) process.env.LOCAL_DATABASE = asked;
    });
    try {
      expect(database).toMatchObject({ kind: "embedded", note: "PostgreSQL did not start: initdb failed (exit 1): could not change directory" });
      expect(database.serverUrl).toBeUndefined();
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      expect((await client.query("select 1 as one")).rows).toEqual([{ one: 1 }]);
      await client.end();
    } finally {
      await database.close();
    }
  });

  it("refuses a database name that is not a plain identifier, before connecting", async () => {
    await expect(createDatabase("postgresql://127.0.0.1:9/postgres", "x; drop database postgres")).rejects.toThrow("not a plain database name");
    await expect(dropDatabase("postgresql://127.0.0.1:9/postgres", "Robert'); --")).rejects.toThrow("not a plain database name");
  });
});
