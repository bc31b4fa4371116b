// @module-tag pglite (migrations and backfills: also run on the embedded database; test/suite-layout.ts)
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Backfill } from "../../src/db/backfills";
import { applyMigrations } from "../../scripts/stack/migrate";
import { scratchDatabase } from "./scratch-database";

// Runs in Node: the migrator uses node-postgres against an empty database of its own (on the run's
// PostgreSQL server, or an embedded one on a PGlite run).
let database: Awaited<ReturnType<typeof scratchDatabase>>;
beforeAll(async () => {
  database = await scratchDatabase("backfills");
}, 60_000);
afterAll(() => database?.close());

it("applies each pending backfill once, after the SQL migrations, and rolls back a failed one", async () => {
  let runs = 0;
  const counting: Backfill = {
    id: "test-insert-category",
    description: "writes one category",
    async run(db) {
      runs += 1;
      // The SQL migrations ran first: the table exists.
      await db.execute(sql`insert into categories (slug, name) values ('backfill-test', 'Backfill Test')`);
    },
  };
  const failing: Backfill = {
    id: "test-failing",
    description: "writes, then fails",
    async run(db) {
      await db.execute(sql`insert into categories (slug, name) values ('half-written', 'Half Written')`);
      throw new Error("boom");
    },
  };

  expect(await applyMigrations(database.url, [counting])).toEqual(["test-insert-category"]);
  expect(await applyMigrations(database.url, [counting])).toEqual([]);
  expect(runs).toBe(1);
  await expect(applyMigrations(database.url, [counting, failing])).rejects.toThrow("boom");

  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const categories = await client.query("select slug from categories where slug in ('backfill-test', 'half-written')");
    expect(categories.rows.map((r) => r.slug)).toEqual(["backfill-test"]);
    const applied = await client.query("select id from backfills_applied order by id");
    expect(applied.rows.map((r) => r.id)).toEqual(["test-insert-category"]);
  } finally {
    await client.end();
  }
}, 60_000);
