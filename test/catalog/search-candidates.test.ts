// @module-tag pglite (the ranked search: tsvector, GIN and the lexicon: also run on the embedded database; test/suite-layout.ts)
import { beforeAll, describe, expect, it } from "vitest";
import { listCatalogItems, SEARCH_CANDIDATES_PER_TIER } from "../../src/db/queries/catalog";
import { parseSearchQuery } from "../../src/domain/search-query";
import { listCatalog } from "../../src/services/catalog";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, createWorkspace, uniqueToken } from "../helpers/factories";

// A relevance search ranks a bounded set of candidates (SEARCH_CANDIDATES_PER_TIER per tier). A name
// holding every word ranks above a description mention, so the bound must never crowd such a name
// out: here more matches than the bound are far more installed, and hold the words only in their
// descriptions.

const clients = useDatabase();
const db = () => clients.pool;

// Marketplace rows belong to no tenant: every query is narrowed to this run's tag (design.md §21).
const TAG = uniqueToken("cand");
/** Words of letters only, unique to this run. */
const letters = (token: string) => token.replace(/[0-9]/g, (d) => "ghijklmnop"[Number(d)]!);
const FIRST = letters(uniqueToken("orbit"));
const SECOND = letters(uniqueToken("quill"));
/** Holds both words, but not at its start: the name-prefix tier does not find it. */
const NAMED = `Zeta ${FIRST} ${SECOND}`;
const POPULAR = SEARCH_CANDIDATES_PER_TIER + 20;

beforeAll(async () => {
  const { workspace } = await createWorkspace(db(), { name: "Candidate Bound Publishing" });
  const base = { tags: [TAG], publisherWorkspaceId: workspace.id };
  for (let i = 0; i < POPULAR; i++) {
    await createMarketplaceItem(db(), { ...base, name: `Popular ${uniqueToken()}`, description: `Mentions ${FIRST} and ${SECOND}.`, installCount: 1_000 + i });
  }
  await createMarketplaceItem(db(), { ...base, name: NAMED, description: "Never installed.", installCount: 0 });
}, 120_000);

// Paging: more names holding the word than the candidates, the less installed ones ranking higher by
// text (the word also in their description and tags). Found by a new-user trial ("triage" over a
// 2,000-item catalog: 288 matches, 236 distinct items over the pages).
const PAGED_TAG = uniqueToken("paged");
const PAGED_WORD = letters(uniqueToken("pager"));
const PAGED = SEARCH_CANDIDATES_PER_TIER + 50;

beforeAll(async () => {
  const { workspace } = await createWorkspace(db(), { name: "Candidate Paging Publishing" });
  for (let i = 0; i < PAGED; i++) {
    const strong = i >= SEARCH_CANDIDATES_PER_TIER;
    await createMarketplaceItem(db(), {
      name: `Item ${PAGED_WORD} ${uniqueToken()}`,
      description: strong ? `All about ${PAGED_WORD}.` : "Unrelated.",
      tags: strong ? [PAGED_TAG, PAGED_WORD] : [PAGED_TAG],
      publisherWorkspaceId: workspace.id,
      installCount: 10_000 - i,
    });
  }
}, 120_000);

const search = (query: string, offset = 0) => listCatalog(db(), { search: query, tags: [TAG], limit: 20, offset }, { admin: false });

describe("the bounded candidate set of a relevance search", () => {
  it("ranks a never-installed name holding every word above more popular description matches than the bound", async () => {
    for (const query of [`${FIRST} ${SECOND}`, `${SECOND} ${FIRST}`, `${FIRST.slice(0, 8)} ${SECOND}`]) {
      const page = await search(query);
      expect(page.total, query).toBe(POPULAR + 1);
      expect(page.total_exact).toBe(true);
      expect(page.items[0]?.name, query).toBe(NAMED);
      // The description matches follow by installs.
      const installs = page.items.slice(1).map((item) => item.install_count);
      expect(installs).toEqual([...installs].sort((a, b) => b - a));
    }
  });

  it("pages past the bound without repeats or gaps", async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < POPULAR + 1; offset += 20) seen.push(...(await search(`${FIRST} ${SECOND}`, offset)).items.map((item) => item.id));
    expect(seen).toHaveLength(POPULAR + 1);
    expect(new Set(seen).size).toBe(POPULAR + 1);
  });

  it("pages every match exactly once, in one order, at any page size", async () => {
    const all = async (limit: number) => {
      const seen: string[] = [];
      for (let offset = 0; offset < PAGED + limit; offset += limit) {
        const page = await listCatalog(db(), { search: PAGED_WORD, tags: [PAGED_TAG], limit, offset }, { admin: false });
        expect(page.total).toBe(PAGED);
        seen.push(...page.items.map((item) => item.id));
      }
      return seen;
    };
    const byTwenty = await all(20);
    expect(byTwenty).toHaveLength(PAGED);
    expect(new Set(byTwenty).size).toBe(PAGED);
    // Another page size walks the same sequence of pages' sets: the order does not depend on the page.
    const byFifty = await all(50);
    expect(new Set(byFifty.slice(0, 100))).toEqual(new Set(byTwenty.slice(0, 100)));
    expect(new Set(byFifty.slice(100))).toEqual(new Set(byTwenty.slice(100)));
  });

  it("pages every match exactly once on the popularity walk (more than the count's cap) and the gathering scan too", async () => {
    const filter = { tags: [PAGED_TAG], search: parseSearchQuery(PAGED_WORD), includeUnapproved: false };
    for (const manyMatches of [true, false]) {
      const seen: string[] = [];
      for (let offset = 0; offset < PAGED + 20; offset += 20) {
        seen.push(...(await listCatalogItems(db(), filter, "relevance", { limit: 20, offset }, manyMatches)).map((row) => row.id));
      }
      expect(seen, `manyMatches ${manyMatches}`).toHaveLength(PAGED);
      expect(new Set(seen).size, `manyMatches ${manyMatches}`).toBe(PAGED);
    }
  });
});
