// @module-tag pglite (migrations and backfills: also run on the embedded database; test/suite-layout.ts)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { normalizePluginNames } from "../../src/db/backfills/normalize-plugin-names";
import { NameSchema, nameSkeleton } from "../../src/domain/names";
import { TagsSchema } from "../../src/domain/tags";
import { applyMigrations } from "../../scripts/stack/migrate";
import { MIGRATIONS_DIR } from "../../scripts/stack/paths";
import { scratchDatabase, undoLaterMigrations } from "./scratch-database";

// Issue 26 item 2: migration 0007_plugin_name_skeleton and backfill 0007-normalize-plugin-names on
// a database holding plugins written before the name rules: look-alike names, line breaks and
// invisible characters in names, messy tags.
let database: Awaited<ReturnType<typeof scratchDatabase>>;
let client: pg.Client;

/** The journal entry of the migration that added the plugin name skeleton (renumbering keeps the suffix). */
function skeletonMigration(): { when: number } {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, "meta", "_journal.json"), "utf8")) as { entries: Array<{ when: number; tag: string }> };
  const entry = journal.entries.find((e) => e.tag.endsWith("_plugin_name_skeleton"));
  if (!entry) throw new Error("no *_plugin_name_skeleton migration in the journal");
  return entry;
}

const LEGACY = [
  { key: "original", slug: "kit-original", name: "Review Kit", tags: ["Review"] },
  { key: "upper", slug: "kit-upper", name: "REVIEW  KIT", tags: [] },
  { key: "cyrillic", slug: "kit-cyrillic", name: "R\u0435view Kit", tags: [] },
  { key: "newline", slug: "kit-newline", name: "Evil\n## Tools", tags: ["A,b", "a", "  Spaced\u00a0 Out ", "zero\u200bwidth"] },
  { key: "invisible", slug: "kit-invisible", name: "\u200b\u2060", tags: [42, "", "\u200b"] },
  { key: "clean", slug: "kit-clean", name: "Clean Kit", tags: ["clean"] },
];

const ids = new Map<string, string>();

beforeAll(async () => {
  database = await scratchDatabase("plugin name backfill");
  await applyMigrations(database.url, []);
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  // Back to before 0007, keeping the schema of everything else: then insert rows the old rules allowed.
  await client.query("alter table marketplace_plugins drop column name_skeleton");
  await undoLaterMigrations(client);
  await client.query("delete from drizzle.__drizzle_migrations where created_at >= $1", [skeletonMigration().when]);
  for (const [i, row] of LEGACY.entries()) {
    const inserted = await client.query<{ id: string }>(
      `insert into marketplace_plugins (slug, name, tags, actor_type, created_at) values ($1, $2, $3::jsonb, 'system', now() + make_interval(secs => $4)) returning id`,
      [row.slug, row.name, JSON.stringify(row.tags), i],
    );
    ids.set(row.key, inserted.rows[0]!.id);
  }
  // The SQL migration, then the backfill, as `npm run db:migrate` runs them.
  expect(await applyMigrations(database.url, [normalizePluginNames])).toEqual([normalizePluginNames.id]);
}, 120_000);

afterAll(async () => {
  await client?.end();
  await database?.close();
});

const plugin = async (key: string) => (await client.query("select name, name_skeleton, tags from marketplace_plugins where id = $1", [ids.get(key)])).rows[0];

it("keeps the oldest holder of a look-alike name and suffixes the younger ones, with an audit row each", async () => {
  expect(await plugin("original")).toMatchObject({ name: "Review Kit", name_skeleton: nameSkeleton("Review Kit"), tags: ["review"] });
  expect((await plugin("upper")).name).toBe("REVIEW KIT (2)");
  expect((await plugin("cyrillic")).name).toBe("R\u0435view Kit (3)");
  const renames = (await client.query("select target_id, details from audit_log where action = 'rename' and target_type = 'plugin' and target_id = $1", [ids.get("cyrillic")])).rows;
  expect(renames).toEqual([{ target_id: ids.get("cyrillic"), details: { from: "R\u0435view Kit", to: "R\u0435view Kit (3)", collided_with: ids.get("original") } }]);
});

it("puts names on one line without invisible characters (the slug when nothing visible is left) and normalises tags", async () => {
  expect(await plugin("newline")).toMatchObject({ name: "Evil ## Tools", tags: ["a", "b", "spaced out", "zero width"] });
  expect(await plugin("invisible")).toMatchObject({ name: "kit-invisible", tags: [] });
  expect(await plugin("clean")).toMatchObject({ name: "Clean Kit", tags: ["clean"] });
});

it("leaves only rows the API's rules accept, each with its skeleton, and the unique index in force", async () => {
  const rows = (await client.query("select name, name_skeleton, tags from marketplace_plugins")).rows;
  for (const row of rows) {
    expect(NameSchema.parse(row.name)).toBe(row.name);
    expect(TagsSchema.parse(row.tags)).toEqual(row.tags);
    expect(row.name_skeleton).toBe(nameSkeleton(row.name));
  }
  await expect(
    client.query(`insert into marketplace_plugins (slug, name, name_skeleton, actor_type) values ('kit-again', 'review kit', $1, 'system')`, [nameSkeleton("review kit")]),
  ).rejects.toMatchObject({ code: "23505", constraint: "marketplace_plugins_name_skeleton_key" });
});

it("changes nothing when run again", async () => {
  const snapshot = async () => (await client.query("select id, name, name_skeleton, tags, updated_at from marketplace_plugins order by id")).rows;
  const before = await snapshot();
  await client.query("begin");
  await normalizePluginNames.run((await import("drizzle-orm/node-postgres")).drizzle({ client }) as never);
  await client.query("commit");
  expect(await snapshot()).toEqual(before);
  expect(await applyMigrations(database.url, [normalizePluginNames])).toEqual([]);
});
