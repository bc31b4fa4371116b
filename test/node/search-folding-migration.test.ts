// @module-tag pglite (migrations and normalize(): also run on the embedded database; design.md §47)
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations } from "../../scripts/stack/migrate";
import { migrateToJustBefore, scratchDatabase, withPgClient } from "./scratch-database";

// The migration *_search_nfkc_folding (issue 30 item 1) on rows written before it: their search
// tsvector, the lexicon and the folded-name indexes are rebuilt, so an item stored with full-width
// letters, a ligature or an enclosed letter is found by its plain words once migrated.

const TAG_SUFFIX = "_search_nfkc_folding";
let database: Awaited<ReturnType<typeof scratchDatabase>> | undefined;
let url: string;
const withClient = <T>(run: (client: pg.Client) => Promise<T>) => withPgClient(url, run);

const NAME = "Ｆｕｌｌｗｉｄｔｈ ﬁnance Ⓐgent";

/** Ids of marketplace items whose search document matches `query` (as names and tags are indexed, or stemmed as descriptions are). */
const matching = (query: string) =>
  withClient(async (client) => (await client.query<{ id: string }>("select id from items where search @@ (to_tsquery('simple', $1) || to_tsquery('english', $1)) order by id", [query])).rows.map((r) => r.id));

describe("migration *_search_nfkc_folding", () => {
  let id: string;

  beforeAll(async () => {
    database = await scratchDatabase("search folding");
    url = database.url;
    await migrateToJustBefore(url, TAG_SUFFIX);
    id = await withClient(async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `insert into items (type, name, name_skeleton, description, tags, owner_type, is_approved, actor_type)
         values ('skill', $1, 'fullwidth finance agent', 'Ｑｕａｒｔｅｒｌｙ reports', '["ｍｏｎｔｈｌｙ"]'::jsonb, 'marketplace', true, 'system') returning id`,
        [NAME],
      );
      return rows[0]!.id;
    });
    // Before: the stored text only as NFC, so the plain words are not in the index.
    expect(await matching("fullwidth")).toEqual([]);
    await applyMigrations(url);
  }, 120_000);
  afterAll(() => database?.close());

  it("re-indexes existing rows folded: names, descriptions and tags", async () => {
    for (const word of ["fullwidth", "finance", "agent", "quarterly", "monthly"]) expect(await matching(word), word).toEqual([id]);
  });

  it("adds the folded lexemes to the lexicon, and the folded name is what the name indexes hold", async () => {
    const lexicon = await withClient(async (client) => (await client.query<{ lexeme: string }>("select lexeme from search_lexemes where lexeme = any($1)", [["fullwidth", "finance", "agent"]])).rows.map((r) => r.lexeme).sort());
    expect(lexicon).toEqual(["agent", "finance", "fullwidth"]);
    const indexes = await withClient(async (client) =>
      (await client.query<{ name: string; def: string }>("select indexname as name, indexdef as def from pg_indexes where indexname = any($1) order by indexname", [["items_marketplace_name_prefix_idx", "items_name_trgm_idx", "items_search_idx", "marketplace_plugins_name_trgm_idx"]])).rows,
    );
    expect(indexes.map((i) => i.name)).toEqual(["items_marketplace_name_prefix_idx", "items_name_trgm_idx", "items_search_idx", "marketplace_plugins_name_trgm_idx"]);
    for (const index of indexes.filter((i) => i.name !== "items_search_idx")) expect(index.def, index.name).toContain("search_fold(name)");
    const [row] = await withClient(async (client) => (await client.query<{ folded: string }>("select search_fold(name) as folded from items where id = $1", [id])).rows);
    expect(row!.folded).toBe("fullwidth finance agent");
  });

  it("replays on top of itself (a later test replaying an earlier migration runs it again): nothing changes", async () => {
    await withClient((client) => client.query("delete from drizzle.__drizzle_migrations where id = (select max(id) from drizzle.__drizzle_migrations)"));
    await applyMigrations(url);
    expect(await matching("fullwidth")).toEqual([id]);
  });
});
