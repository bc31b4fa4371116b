import { beforeAll, describe, expect, it } from "vitest";
import { SEARCH_CANDIDATES_PER_TIER } from "../../src/db/queries/catalog";
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
});
