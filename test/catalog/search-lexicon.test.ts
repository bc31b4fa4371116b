// @module-tag pglite (the search_lexemes trigger and prefix expansion: also run on the embedded database; test/suite-layout.ts)
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { MAX_PREFIX_EXPANSION } from "../../src/db/queries/search";
import { createKey } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, createWorkspace, createWorkspaceItem, uniqueToken } from "../helpers/factories";
import { api } from "../helpers/http";

// Issue 13 item 3: a search word's prefix is expanded into whole lexemes through search_lexemes
// (schema.searchLexemes, migration 0005) before the GIN scan. These tests pin that the expansion
// finds what a prefix match finds, and that the trigger keeps the lexicon complete.

const clients = useDatabase();
const db = () => clients.pool;

// Marketplace rows belong to no tenant: every query is narrowed to this file's tag.
const TAG = uniqueToken("lexicon");
const reader: Record<string, string> = {};
let publisherId = "";

/** A word of letters only, unique to this run (uniqueToken's hex digits mapped to letters). */
function uniqueWord(prefix: string): string {
  return `${prefix}${uniqueToken("").replace(/[0-9]/g, (d) => "ghijklmnop"[Number(d)]!)}`;
}

async function search(query: string): Promise<{ names: string[]; total: number }> {
  const response = await api(`/api/marketplace/items?tags=${TAG}&search=${encodeURIComponent(query)}`, { headers: reader });
  expect(response.status, `${query}: ${await response.clone().text()}`).toBe(200);
  const body = (await response.json()) as { items: Array<{ name: string }>; total: number };
  return { names: body.items.map((i) => i.name), total: body.total };
}

async function lexemesStartingWith(prefix: string): Promise<string[]> {
  const rows = await db()
    .selectDistinct({ lexeme: schema.searchLexemes.lexeme })
    .from(schema.searchLexemes)
    .where(sql`starts_with(${schema.searchLexemes.lexeme}, ${prefix})`);
  return rows.map((r) => r.lexeme).sort();
}

beforeAll(async () => {
  const { workspace } = await createWorkspace(db(), { name: "Lexicon Publishing" });
  publisherId = workspace.id;
  const key = await createKey(db(), workspace.id, { scopes: ["catalog:read"] });
  reader["X-API-Key"] = key.secret;
});

describe("search word prefixes through the lexicon", () => {
  it("finds a word of the name, the description or the tags by any prefix of it", async () => {
    const [inName, inDescription, inTag] = [uniqueWord("name"), uniqueWord("desc"), uniqueWord("tag")];
    await createMarketplaceItem(db(), { name: `Lexicon ${inName}`, description: `Helps with ${inDescription}.`, tags: [TAG, inTag], publisherWorkspaceId: publisherId });
    // Names and tags are parsed with 'simple' (the word itself), descriptions with 'english' (its stem).
    expect(await lexemesStartingWith(inName)).toEqual([inName]);
    expect(await lexemesStartingWith(inTag)).toEqual([inTag]);
    expect(await lexemesStartingWith(inDescription.slice(0, 8))).toHaveLength(1);
    for (const word of [inName, inDescription, inTag]) {
      for (const length of [word.length, word.length - 3, 6]) {
        expect((await search(word.slice(0, length))).names, `${word} cut to ${length}`).toEqual([`Lexicon ${inName}`]);
      }
    }
  });

  it("matches the English stem's other forms by prefix, as the prefix query does", async () => {
    // Ends in "ul": Porter's step 1b adds or drops a letter after "-ing" only after "at", "bl", "iz" or a double consonant.
    const stem = `${uniqueWord("sched")}ul`;
    // 'english' stems "<stem>ing" in the description to "<stem>"; the query word "<stem>er" stems to "<stem>" too.
    await createMarketplaceItem(db(), { name: `Stemmed ${stem}`, description: `Runs ${stem}ing jobs.`, tags: [TAG], publisherWorkspaceId: publisherId });
    await createMarketplaceItem(db(), { name: `Prefix ${stem}ers`, tags: [TAG], publisherWorkspaceId: publisherId });
    expect((await search(`${stem}ing`)).names.sort()).toEqual([`Prefix ${stem}ers`, `Stemmed ${stem}`].sort());
  });

  it("finds words an update brings, and items that join the marketplace later", async () => {
    const [renamed, joining] = [uniqueWord("renamed"), uniqueWord("joining")];
    const { item } = await createMarketplaceItem(db(), { name: `Before ${uniqueToken()}`, tags: [TAG], publisherWorkspaceId: publisherId });
    await db().update(schema.items).set({ name: `After ${renamed}` }).where(eq(schema.items.id, item.id));
    expect(await lexemesStartingWith(renamed)).toEqual([renamed]);
    expect((await search(renamed.slice(0, -2))).names).toEqual([`After ${renamed}`]);

    // A workspace's private words stay out of the lexicon until the row is a marketplace row.
    const draft = await createWorkspaceItem(db(), publisherId, { name: `Draft ${joining}` });
    expect(await lexemesStartingWith(joining)).toEqual([]);
    await db()
      .update(schema.items)
      .set({ ownerType: "marketplace", workspaceId: null, ownerId: null, isApproved: true, publisherWorkspaceId: publisherId, tags: [TAG] })
      .where(eq(schema.items.id, draft.id));
    expect(await lexemesStartingWith(joining)).toEqual([joining]);
    expect((await search(joining.slice(0, -2))).names).toEqual([`Draft ${joining}`]);
  });

  it(`still finds a prefix standing for more than ${MAX_PREFIX_EXPANSION} lexemes (a prefix match then)`, async () => {
    const prefix = uniqueWord("many");
    const words = Array.from({ length: MAX_PREFIX_EXPANSION + 6 }, (_, i) => `${prefix}${"abcdefghij"[i % 10]}${"abcdefghij"[Math.floor(i / 10)]}`);
    await createMarketplaceItem(db(), { name: `Many ${uniqueToken()}`, description: words.join(" "), tags: [TAG], publisherWorkspaceId: publisherId });
    await createMarketplaceItem(db(), { name: `Few ${prefix}`, tags: [TAG], publisherWorkspaceId: publisherId });
    expect((await lexemesStartingWith(prefix)).length).toBeGreaterThan(MAX_PREFIX_EXPANSION);
    const found = await search(prefix);
    expect(found.total).toBe(2);
    expect(found.names[0]).toBe(`Few ${prefix}`);
    expect((await search(words[words.length - 1]!)).total).toBe(1);
  });

  it("quotes lexemes holding quotes, backslashes and tsquery operators", async () => {
    const prefix = uniqueWord("quote");
    // The lexicon may hold any lexeme (URLs, paths, stale words): these must not break the expanded query.
    await db()
      .insert(schema.searchLexemes)
      .values([`${prefix}o'brien`, `${prefix}a\\b`, `${prefix}x & !y | z:*`, `${prefix}''`].map((lexeme) => ({ lexeme })));
    await createMarketplaceItem(db(), { name: `Quoted ${prefix}zeta`, tags: [TAG], publisherWorkspaceId: publisherId });
    expect((await search(prefix)).names).toEqual([`Quoted ${prefix}zeta`]);
  });

  it("answers a prefix no lexeme has with no match", async () => {
    expect(await search(uniqueWord("absent"))).toEqual({ names: [], total: 0 });
  });
});

describe("the lexicon stays complete", () => {
  it("holds every lexeme of every marketplace item in the database", async () => {
    const [row] = await db().execute<{ missing: number }>(sql`
      select count(*)::int as missing from items i, unnest(tsvector_to_array(i.search)) as l(lexeme)
      where i.owner_type = 'marketplace' and not exists (select 1 from search_lexemes s where s.lexeme = l.lexeme)`).then((r) => r.rows);
    expect(row!.missing).toBe(0);
  });
});
