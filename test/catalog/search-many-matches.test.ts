// @module-tag pglite (the planner's estimate past the count's cap: also run on the embedded database; test/suite-layout.ts)
import { beforeAll, describe, expect, it } from "vitest";
import { estimateCatalogItems, listCatalogItems, searchCatalogPage, type CatalogFilter } from "../../src/db/queries/catalog";
import { parseSearchQuery } from "../../src/domain/search-query";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, createWorkspace, uniqueToken } from "../helpers/factories";

// A search matching more than the count's cap (design.md §15; 10,000 in the API) takes another path:
// the page from a walk of the popularity index, the total from the planner's estimate. These tests
// drive the query functions with a cap of 3, so a handful of items exercises that path.

const clients = useDatabase();
const db = () => clients.pool;

const CAP = 3;
const TAG = uniqueToken("many");
/** A word of letters only, unique to this run, in every item's description. */
const WORD = `walk${uniqueToken("").replace(/[0-9]/g, (d) => "ghijklmnop"[Number(d)]!)}`;
let filter: CatalogFilter & { search: ReturnType<typeof parseSearchQuery> };

beforeAll(async () => {
  const { workspace } = await createWorkspace(db(), { name: "Many Matches Publishing" });
  const base = { tags: [TAG], publisherWorkspaceId: workspace.id, description: `Helps with ${WORD} chores.` };
  // The exact name, never installed: it must still rank first.
  await createMarketplaceItem(db(), { ...base, name: WORD, installCount: 0 });
  for (let i = 0; i < 24; i++) {
    await createMarketplaceItem(db(), { ...base, name: `${i % 2 ? `${WORD} Helper` : "Chore Bot"} ${uniqueToken()}`, installCount: (i * 37) % 50 });
  }
  // Matches nothing: a word the search does not hold.
  await createMarketplaceItem(db(), { ...base, description: "Unrelated.", name: `Other ${uniqueToken()}`, installCount: 1_000 });
  filter = { tags: [TAG], search: parseSearchQuery(WORD), includeUnapproved: false };
});

const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id);

describe("a search matching more than the count's cap", () => {
  it("reads no more than cap + 1 matches in the one-statement page", async () => {
    const rows = await searchCatalogPage(db(), filter, { limit: 10, offset: 0 }, CAP);
    expect(rows[0]?.matchCount).toBe(CAP + 1);
  });

  it("pages the popularity walk exactly as gathering every match does, the exact name first", async () => {
    for (const page of [{ limit: 10, offset: 0 }, { limit: 10, offset: 10 }, { limit: 10, offset: 20 }]) {
      const walked = await listCatalogItems(db(), filter, "relevance", page, true);
      const gathered = await listCatalogItems(db(), filter, "relevance", page, false);
      expect(ids(walked), JSON.stringify(page)).toEqual(ids(gathered));
      if (page.offset === 0) expect(walked[0]!.name).toBe(WORD);
    }
    const all = await listCatalogItems(db(), filter, "relevance", { limit: 100, offset: 0 }, true);
    expect(all).toHaveLength(25);
    // Names holding the word rank above names that do not (the description only), each group by popularity.
    const named = all.slice(1, 13);
    expect(named.every((r) => r.name.startsWith(`${WORD} Helper`))).toBe(true);
    expect(named.map((r) => r.installCount)).toEqual([...named.map((r) => r.installCount)].sort((a, b) => b - a));
  });

  it("estimates the total as at least cap + 1, marked inexact", async () => {
    const estimate = await estimateCatalogItems(db(), filter, CAP);
    expect(estimate.exact).toBe(false);
    expect(estimate.total).toBeGreaterThanOrEqual(CAP + 1);
  });
});
