// @module-tag pglite (relevance and the typo retry: text search and pg_trgm: also run on the embedded database; test/suite-layout.ts)
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { nameSkeleton } from "../../src/domain/names";
import { AGENTS, RECIPES, SKILLS } from "../../scripts/seed/demo-catalog";
import { createKey } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, createWorkspace, uniqueToken } from "../helpers/factories";
import { api } from "../helpers/http";
import { JUDGEMENTS, judgementFailure, syntheticName, SYNTHETIC_WORDS } from "./search-judgements";

const clients = useDatabase();
const db = () => clients.pool;

// Marketplace rows belong to no tenant: every query is narrowed to this run's tag (design.md §21).
const TAG = uniqueToken("judged");
// Marks the judged catalog's rows across runs, so a rerun on a kept database can free their names.
const JUDGED_MARK = "search-judged-catalog";
const SYNTHETIC_COUNT = 400;
const reader: Record<string, string> = {};

async function search(query: string, limit = 10): Promise<string[]> {
  const response = await api(`/api/marketplace/items?tags=${TAG}&limit=${limit}&search=${encodeURIComponent(query)}`, { headers: reader });
  expect(response.status, `${query}: ${await response.clone().text()}`).toBe(200);
  return ((await response.json()) as { items: Array<{ name: string }> }).items.map((i) => i.name);
}

/** The generated catalog's rows 1..400 as scripts/seed/synthetic.ts writes them (tools and LLMs aside). */
function syntheticRows(publisherWorkspaceId: string) {
  const types = ["agent", "recipe", "skill"] as const;
  return Array.from({ length: SYNTHETIC_COUNT }, (_, i) => {
    const n = i + 1;
    const type = types[n % 3]!;
    const phrase = `${SYNTHETIC_WORDS[n % 20]} ${SYNTHETIC_WORDS[Math.floor(n / 20) % 20]}`;
    const name = syntheticName(n);
    return {
      type,
      name,
      nameSkeleton: nameSkeleton(name),
      description: `A generated ${type} that helps with ${phrase.toLowerCase()} work, item ${n}.`,
      ownerType: "marketplace",
      isApproved: true,
      installCount: Math.floor(100000 / (1 + (n % 1000))),
      tags: [SYNTHETIC_WORDS[n % 20]!.toLowerCase(), SYNTHETIC_WORDS[Math.floor(n / 7) % 20]!.toLowerCase(), "synthetic", TAG, JUDGED_MARK],
      publisherWorkspaceId,
      actorType: "system",
    } satisfies typeof schema.items.$inferInsert;
  });
}

beforeAll(async () => {
  // A kept PostgreSQL database still holds the last run's judged rows; they reserve these names.
  await db().execute(sql`update items set name = name || ' ' || id, name_skeleton = name_skeleton || id
    where tags @> ${JSON.stringify([JUDGED_MARK])}::jsonb`);
  const { workspace } = await createWorkspace(db(), { name: "Judged Publisher" });
  const key = await createKey(db(), workspace.id, { scopes: ["catalog:read"] });
  reader["X-API-Key"] = key.secret;
  const base = { publisherWorkspaceId: workspace.id };
  const demo = [
    ...SKILLS.map((s, i) => ({ type: "skill" as const, ...s, installs: 90 - i * 7 })),
    ...AGENTS.map((a) => ({ type: "agent" as const, ...a })),
    ...RECIPES.map((r) => ({ type: "recipe" as const, ...r })),
  ];
  for (const item of demo) {
    await createMarketplaceItem(db(), {
      ...base,
      type: item.type,
      name: item.name,
      description: item.description,
      tags: [...item.tags, TAG, JUDGED_MARK],
      installCount: item.installs,
    });
  }
  await db().insert(schema.items).values(syntheticRows(workspace.id));
}, 60_000);

describe("judged search relevance (test/catalog/search-judgements.ts)", () => {
  it("has at least 40 judgements of every kind the issue names", () => {
    expect(JUDGEMENTS.length).toBeGreaterThanOrEqual(40);
    const kinds = new Set(JUDGEMENTS.map((j) => j.kind));
    for (const kind of ["exact", "prefix", "typo", "two-word", "tag", "description", "nothing"]) expect(kinds, kind).toContain(kind);
  });

  it("holds every judgement", async () => {
    const failures: string[] = [];
    for (const judgement of JUDGEMENTS) {
      const failure = judgementFailure(judgement, await search(judgement.query));
      if (failure) failures.push(`${judgement.kind} "${judgement.query}": ${failure}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

describe("search semantics", () => {
  it("requires every word: a name sharing one word of two is no match", async () => {
    const names = await search("ledger insight", 100);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).not.toMatch(/^Synthetic (Writer Insight|Ledger Writer) /);
  });

  it("ranks an exact name, then name prefixes, then names holding every word, then other matches", async () => {
    const names = await search("support triage", 100);
    // "Synthetic Support Triage N" holds both words in its name; Ticket Triage has "support" only as a tag.
    const bothInName = /support triage|triage support/i;
    const inName = names.findIndex((n) => !bothInName.test(n));
    expect(inName).toBeGreaterThan(0);
    expect(names.slice(inName).some((n) => bothInName.test(n))).toBe(false);
    expect(names).toContain("Ticket Triage");
  });

  it("answers stop words alone and punctuation alone with an empty page, never an error or everything", async () => {
    for (const query of ["the", "a", ":&!", "'", "(", ")", "*", "!", "&", "|", "<->", ":*", "\\"]) {
      expect(await search(query), query).toEqual([]);
    }
  });

  it("keeps %, _ and \\ literal", async () => {
    expect(await search("%")).toEqual([]);
    expect(await search("_")).toEqual([]);
    expect(await search("a\\b")).toEqual([]);
  });

  it("forgives typos only when the query as typed matches nothing, and then counts what it lists", async () => {
    const marks = [TAG, JUDGED_MARK];
    const publisher = (await createWorkspace(db(), { name: "Typo Publisher" })).workspace.id;
    for (const name of ["Zebrafish Tracker", "Zebrafsh Monitor"]) {
      await createMarketplaceItem(db(), { publisherWorkspaceId: publisher, type: "skill", name, description: "Counts fish.", tags: marks, installCount: 1 });
    }
    // Matches as typed: the near-miss name is not added to the answer.
    expect(await search("zebrafish", 100)).toEqual(["Zebrafish Tracker"]);
    expect(await search("zebrafsh", 100)).toEqual(["Zebrafsh Monitor"]);
    // Matches nothing as typed: retried with typo tolerance, and the total counts the retry's matches.
    const response = await api(`/api/marketplace/items?tags=${TAG}&limit=100&search=zebrafisch`, { headers: reader });
    const page = (await response.json()) as { items: Array<{ name: string }>; total: number };
    expect(page.items.map((i) => i.name)).toContain("Zebrafish Tracker");
    expect(page.total).toBe(page.items.length);
  });

  it("pages search results stably: every match once, in one order", async () => {
    const all = await search("ledger", 100);
    expect(all.length).toBeGreaterThan(20);
    const paged: string[] = [];
    for (let offset = 0; offset < all.length; offset += 7) {
      const response = await api(`/api/marketplace/items?tags=${TAG}&limit=7&offset=${offset}&search=ledger`, { headers: reader });
      paged.push(...((await response.json()) as { items: Array<{ name: string }> }).items.map((i) => i.name));
    }
    expect(paged).toEqual(all);
    // Past the last match: no rows, and still the total (counted apart: the page statement returned no row to carry it).
    const first = (await (await api(`/api/marketplace/items?tags=${TAG}&limit=7&search=ledger`, { headers: reader })).json()) as { total: number };
    const past = (await (await api(`/api/marketplace/items?tags=${TAG}&limit=7&offset=${all.length}&search=ledger`, { headers: reader })).json()) as {
      items: unknown[];
      total: number;
    };
    expect(first.total).toBe(all.length);
    expect(past).toMatchObject({ items: [], total: all.length });
  });
});
