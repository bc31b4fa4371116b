// @module-tag pglite (migrations and backfills: also run on the embedded database; test/suite-layout.ts)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeNamesAndTags } from "../../src/db/backfills/normalize-names-and-tags";
import { normalizePluginNames } from "../../src/db/backfills/normalize-plugin-names";
import * as schema from "../../src/db/schema";
import { NameSchema, nameSkeleton } from "../../src/domain/names";
import { TagsSchema } from "../../src/domain/tags";
import { seedDemoCatalog } from "../../scripts/seed/run";
import { applyMigrations } from "../../scripts/stack/migrate";
import { MIGRATIONS_DIR } from "../../scripts/stack/paths";
import { scratchDatabase, undoLaterMigrations, withPgClient } from "./scratch-database";

// Runs in Node against an empty database of its own (on the run's PostgreSQL server, or an embedded
// one on a PGlite run). The database holds the demo catalog (scripts/seed/run.ts) plus rows as they
// could be written before issue 9: look-alike names, invisible characters, messy tags.
let database: Awaited<ReturnType<typeof scratchDatabase>> | undefined;
let url: string;

beforeAll(async () => {
  database = await scratchDatabase("names backfill");
  url = database.url;
}, 60_000);
afterAll(() => database?.close());

const withClient = <T>(run: (client: pg.Client) => Promise<T>) => withPgClient(url, run);

/** The journal entry of the migration that added name_skeleton (renumbering keeps the suffix). */
function skeletonMigration(): { when: number; tag: string } {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, "meta", "_journal.json"), "utf8")) as { entries: Array<{ when: number; tag: string }> };
  const entry = journal.entries.find((e) => e.tag.endsWith("_name_skeleton"));
  if (!entry) throw new Error("no *_name_skeleton migration in the journal");
  return entry;
}

/**
 * Puts the database back where it was before the name_skeleton migration (schema, migration record,
 * backfill record), keeping its data, so that the migration then runs on a populated database.
 */
async function undoSkeletonMigration(client: pg.Client) {
  const { when } = skeletonMigration();
  await client.query("alter table items drop column name_skeleton");
  await client.query(`create unique index items_marketplace_name_key on items (type, lower(name))
                      where owner_type = 'marketplace' or removed_at is not null`);
  // The records of later migrations go too (the migrator replays everything after the last record),
  // so their objects are undone as well: 0004's name-prefix index, 0005's lexicon and its trigger.
  await client.query("drop index if exists items_marketplace_name_prefix_idx");
  await client.query("drop function if exists record_search_lexemes() cascade");
  await client.query("drop table if exists search_lexemes");
  // 0006's version statuses and outbox (its columns back to the lifecycle they were renamed from).
  await client.query("drop table if exists catalog_events, catalog_state, workspace_generations");
  for (const table of ["item_versions", "plugin_versions"]) {
    for (const constraint of ["status_check", "status_previous_check", "status_actor_check", "replacement_fkey"]) {
      await client.query(`alter table ${table} drop constraint if exists ${table}_${constraint}`);
    }
    for (const column of ["status_previous", "status_changed_at", "status_actor_type", "status_actor_id", "replacement_item_id"]) {
      await client.query(`alter table ${table} drop column if exists ${column}`);
    }
    await client.query(`alter table ${table} rename column status to lifecycle`);
    await client.query(`alter table ${table} add constraint ${table}_lifecycle_check check (lifecycle in ('active', 'deprecated', 'yanked'))`);
  }
  await client.query("alter table item_versions rename column status_message to lifecycle_message");
  await client.query("alter table plugin_versions drop column status_message");
  // 0007's plugin name skeleton (its index goes with the column), and its backfill's record.
  await client.query("alter table marketplace_plugins drop column if exists name_skeleton");
  // 0008 (install_count per workspace) is data only: nothing to undo; replayed here it subtracts
  // repeat installs, and the demo catalog has no install rows (test/node/install-count-migration.test.ts).
  await undoLaterMigrations(client);
  await client.query("delete from drizzle.__drizzle_migrations where created_at >= $1", [when]);
  await client.query("delete from backfills_applied where id = any($1)", [[normalizeNamesAndTags.id, normalizePluginNames.id]]);
}

type Legacy = { key: string; type: string; name: string; tags: unknown; marketplace: boolean };

// Each is allowed by the old rules (unique on lower(name) only, tags stored as given).
const LEGACY: Legacy[] = [
  { key: "nbsp", type: "skill", name: "Ticket\u00a0Triage", tags: [], marketplace: true },
  { key: "cyrillic", type: "skill", name: "Ti\u0441ket Triage", tags: [], marketplace: true },
  { key: "fullwidth", type: "skill", name: "\uff34\uff49\uff43\uff4b\uff45\uff54 Triage", tags: [], marketplace: true },
  { key: "tags", type: "agent", name: "Messy  Tags\u200b Agent", tags: ["Support", "support", "SUPPORT", "dup", "dup", "a,b", "  Spaced\u00a0 Out "], marketplace: true },
  { key: "cafe-nfc", type: "agent", name: "Caf\u00e9", tags: [], marketplace: false },
  { key: "cafe-nfd", type: "agent", name: "Cafe\u0301", tags: [], marketplace: false },
  { key: "invisible", type: "agent", name: "\u200b", tags: [], marketplace: false },
  { key: "bell", type: "recipe", name: "Bell\u0007 Bot\n", tags: ["X"], marketplace: false },
];

async function insertLegacy(client: pg.Client): Promise<Map<string, string>> {
  const { rows } = await client.query<{ id: string }>("select id from workspaces where slug = 'automatos-labs'");
  const workspaceId = rows[0]!.id;
  const ids = new Map<string, string>();
  for (const [i, row] of LEGACY.entries()) {
    // Created after the seed, in list order: the seeded items are the oldest holders of their names.
    const inserted = await client.query<{ id: string }>(
      `insert into items (type, name, tags, owner_type, owner_id, workspace_id, is_approved, publisher_workspace_id, actor_type, created_at)
       values ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, 'system', now() + make_interval(secs => $9))
       returning id`,
      [
        row.type,
        row.name,
        JSON.stringify(row.tags),
        row.marketplace ? "marketplace" : "workspace",
        row.marketplace ? null : workspaceId,
        row.marketplace ? null : workspaceId,
        row.marketplace,
        workspaceId,
        i + 1,
      ],
    );
    ids.set(row.key, inserted.rows[0]!.id);
  }
  return ids;
}

describe("migration 0003 name_skeleton + backfill 0003-normalize-names-and-tags on the demo catalog", () => {
  let legacyIds: Map<string, string>;
  let seeded: Array<{ id: string; name: string; tags: string[] }>;

  beforeAll(async () => {
    await applyMigrations(url);
    await withClient(async (client) => {
      await seedDemoCatalog(drizzle({ client, schema }));
      seeded = (await client.query("select id, name, tags from items order by id")).rows;
      await undoSkeletonMigration(client);
      legacyIds = await insertLegacy(client);
    });
    // The SQL migration, then the backfill, as `npm run db:migrate` runs them.
    expect(await applyMigrations(url)).toContain(normalizeNamesAndTags.id);
  }, 120_000);

  const item = (id: string) =>
    withClient(async (client) => (await client.query("select name, name_skeleton, tags from items where id = $1", [id])).rows[0]);

  it("leaves every demo catalog item's name and tags as they were, and gives each its skeleton", async () => {
    const after = await withClient(async (client) => (await client.query("select id, name, name_skeleton, tags from items where id = any($1::uuid[]) order by id", [seeded.map((s) => s.id)])).rows);
    expect(after.map((r) => ({ id: r.id, name: r.name, tags: r.tags }))).toEqual(seeded.map((s) => ({ id: s.id, name: s.name, tags: s.tags })));
    for (const row of after) expect(row.name_skeleton).toBe(nameSkeleton(row.name));
  });

  it("keeps the oldest holder of a look-alike marketplace name and suffixes the younger ones", async () => {
    expect((await item(legacyIds.get("nbsp")!)).name).toBe("Ticket Triage (2)");
    expect((await item(legacyIds.get("cyrillic")!)).name).toBe("Ti\u0441ket Triage (3)");
    expect((await item(legacyIds.get("fullwidth")!)).name).toBe("\uff34\uff49\uff43\uff4b\uff45\uff54 Triage (4)");
    const seededTriage = seeded.find((s) => s.name === "Ticket Triage")!;
    const renames = await withClient(async (client) => (await client.query("select target_id, details from audit_log where action = 'rename' and target_id = $1", [legacyIds.get("cyrillic")])).rows);
    expect(renames).toEqual([
      { target_id: legacyIds.get("cyrillic"), details: { from: "Ti\u0441ket Triage", to: "Ti\u0441ket Triage (3)", collided_with: seededTriage.id } },
    ]);
  });

  it("normalizes workspace names (NFC, invisible and control characters) and suffixes clashes in one workspace", async () => {
    expect((await item(legacyIds.get("cafe-nfc")!)).name).toBe("Caf\u00e9");
    expect((await item(legacyIds.get("cafe-nfd")!)).name).toBe("Caf\u00e9 (2)");
    expect((await item(legacyIds.get("invisible")!)).name).toBe("Untitled agent");
    expect(await item(legacyIds.get("bell")!)).toMatchObject({ name: "Bell Bot", tags: ["x"] });
  });

  it("normalizes tags: lower-case, de-duplicated, commas split, spaces collapsed", async () => {
    expect(await item(legacyIds.get("tags")!)).toMatchObject({ name: "Messy Tags Agent", tags: ["support", "dup", "a", "b", "spaced out"] });
  });

  it("leaves only rows that the API's own rules accept, with their skeleton, and the unique index in force", async () => {
    const rows = await withClient(async (client) => (await client.query("select name, name_skeleton, tags from items")).rows);
    for (const row of rows) {
      expect(NameSchema.parse(row.name)).toBe(row.name);
      expect(TagsSchema.parse(row.tags)).toEqual(row.tags);
      expect(row.name_skeleton).toBe(nameSkeleton(row.name));
    }
    await withClient(async (client) => {
      await expect(
        client.query(`insert into items (type, name, name_skeleton, owner_type, actor_type) values ('skill', 'TICKET TRIAGE', $1, 'marketplace', 'system')`, [nameSkeleton("TICKET TRIAGE")]),
      ).rejects.toMatchObject({ code: "23505", constraint: "items_marketplace_name_key" });
    });
  });

  it("fills the search lexicon (migration 0005) with every lexeme of the marketplace rows written before it", async () => {
    const missing = await withClient(
      async (client) =>
        (
          await client.query<{ n: number }>(`select count(*)::int as n from items i, unnest(tsvector_to_array(i.search)) as l(lexeme)
           where i.owner_type = 'marketplace' and not exists (select 1 from search_lexemes s where s.lexeme = l.lexeme)`)
        ).rows[0]!.n,
    );
    expect(missing).toBe(0);
    // A legacy row's words as the name backfill left them (written by the trigger on its update).
    const messy = await withClient(async (client) => (await client.query("select lexeme from search_lexemes where lexeme in ('messy', 'spaced')")).rows);
    expect(messy.map((r) => r.lexeme).sort()).toEqual(["messy", "spaced"]);
  });

  it("changes nothing when run again", async () => {
    const snapshot = () => withClient(async (client) => (await client.query("select id, name, name_skeleton, tags, updated_at from items order by id")).rows);
    const before = await snapshot();
    await withClient(async (client) => {
      const db = drizzle({ client, schema });
      await db.transaction((tx) => normalizeNamesAndTags.run(tx as never));
    });
    expect(await snapshot()).toEqual(before);
  });
});
