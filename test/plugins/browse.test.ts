// @module-tag pglite (the plugin search: also run on the embedded database; test/suite-layout.ts)
import { beforeAll, describe, expect, it } from "vitest";
import { createKey } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createWorkspace, uniqueToken } from "../helpers/factories";
import { api } from "../helpers/http";
import { createPluginCategory, insertPlugin, listPluginsAs, type PluginListBody } from "./browse-fixtures";

// Issue 15 item 1, happy paths. Plugins belong to no tenant: every list here filters on this file's tag.
const clients = useDatabase();
const db = () => clients.pool;
const TAG = uniqueToken("ptag");
const world = {} as { reader: Record<string, string>; category: { id: string; slug: string }; ids: Record<string, string> };

const list = (query: string) => listPluginsAs(world.reader, `tags=${TAG}&${query}`);
const names = (body: PluginListBody) => body.items.map((i) => i.name);

beforeAll(async () => {
  const { workspace } = await createWorkspace(db());
  world.reader = { "X-API-Key": (await createKey(db(), workspace.id, { scopes: ["catalog:read"] })).secret };
  world.category = await createPluginCategory(db());
  const ids: Record<string, string> = {};
  const specs = [
    { key: "alpha", name: `Alpha Reviewer ${TAG}`, enableCount: 50, category: true, tags: [TAG, `${TAG}-x`] },
    { key: "beta", name: `Beta Linter ${TAG}`, enableCount: 30, category: true },
    { key: "gamma", name: `Gamma Docs ${TAG}`, enableCount: 30, description: "Writes changelogs for releases" },
    { key: "delta", name: `Delta Deploy ${TAG}`, enableCount: 30 },
    { key: "invoice", name: `Invoice Reconciler ${TAG}`, enableCount: 2 },
    { key: "pct", name: `Pct 100% Sure ${TAG}`, enableCount: 1 },
  ];
  for (const [i, spec] of specs.entries()) {
    const plugin = await insertPlugin(db(), {
      name: spec.name,
      description: spec.description,
      enableCount: spec.enableCount,
      categoryId: spec.category ? world.category.id : null,
      tags: spec.tags ?? [TAG.toUpperCase()],
      createdAt: new Date(Date.UTC(2026, 0, 1 + i)),
    });
    ids[spec.key] = plugin.id;
  }
  world.ids = ids;
});

describe("GET /api/marketplace/plugins: shape, order and pagination", () => {
  it("answers {items, total, limit, offset}, most enabled first with the id as tie-break, default limit 20", async () => {
    const body = await list("");
    expect(body).toMatchObject({ total: 6, total_exact: true, limit: 20, offset: 0 });
    expect(body.items.map((i) => i.enable_count)).toEqual([50, 30, 30, 30, 2, 1]);
    const tied = body.items.filter((i) => i.enable_count === 30).map((i) => i.id);
    expect(tied).toEqual([...tied].sort());
    expect(body.items[0]).toMatchObject({ name: `Alpha Reviewer ${TAG}`, version: "1.0.0", approval_status: "approved", is_active: true });
  });

  it("sorts by newest and by name", async () => {
    expect(names(await list("sort=newest"))[0]).toBe(`Pct 100% Sure ${TAG}`);
    const byName = names(await list("sort=name"));
    expect(byName).toEqual([...byName].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(names(await list("sort=popular"))[0]).toBe(`Alpha Reviewer ${TAG}`);
  });

  it("pages through every order without repeats or gaps", async () => {
    for (const sort of ["popular", "newest", "name"]) {
      const all = (await list(`sort=${sort}&limit=100`)).items.map((i) => i.id);
      const paged: string[] = [];
      for (let offset = 0; offset < all.length; offset += 4) {
        const page = await list(`sort=${sort}&limit=4&offset=${offset}`);
        expect(page.total).toBe(6);
        paged.push(...page.items.map((i) => i.id));
      }
      expect(paged, sort).toEqual(all);
    }
    expect(await list("limit=4&offset=100")).toMatchObject({ items: [], total: 6, limit: 4, offset: 100 });
  });
});

describe("GET /api/marketplace/plugins: filters", () => {
  it("filters by category_id, and by category slug", async () => {
    const byId = await list(`category_id=${world.category.id}`);
    expect(names(byId).sort()).toEqual([`Alpha Reviewer ${TAG}`, `Beta Linter ${TAG}`].sort());
    expect((await list(`category=${world.category.slug}`)).total).toBe(2);
    expect((await list(`category_id=${crypto.randomUUID()}`)).total).toBe(0);
    expect((await list("category=no-such-category")).total).toBe(0);
  });

  it("requires every tag, ignoring case", async () => {
    expect(names(await list(`tags=${TAG}-X`))).toEqual([`Alpha Reviewer ${TAG}`]);
    expect((await list(`tags=${TAG},other-${TAG}`)).total).toBe(0);
  });
});

describe("GET /api/marketplace/plugins: search", () => {
  it("reads an empty or blank search as no search (a cleared search box), not an error", async () => {
    const all = await list("sort=popular");
    for (const blank of ["search=", "search=%20%20"]) {
      const body = await list(`${blank}&sort=popular`);
      expect(body.total, blank).toBe(all.total);
      expect(names(body), blank).toEqual(names(all));
    }
  });

  it("finds by name, ranking the exact name first", async () => {
    const body = await list(`search=${encodeURIComponent(`beta linter ${TAG}`)}`);
    expect(body.items[0]!.name).toBe(`Beta Linter ${TAG}`);
  });

  it("finds by prefix", async () => {
    expect(names(await list("search=Invo"))).toEqual([`Invoice Reconciler ${TAG}`]);
  });

  it("tolerates typos", async () => {
    expect(names(await list(`search=${encodeURIComponent("invoce reconciller")}`))[0]).toBe(`Invoice Reconciler ${TAG}`);
  });

  it("searches descriptions by full text", async () => {
    expect(names(await list("search=changelog"))).toEqual([`Gamma Docs ${TAG}`]);
  });

  it("does not error on punctuation, and treats % and _ as characters", async () => {
    for (const search of ['"', "'", "(", ")", "&", "|", "!", ":*", "<->", "\\", "a & (b", "-", "%", "_", "'; drop table x; --"]) {
      const response = await api(`/api/marketplace/plugins?tags=${TAG}&search=${encodeURIComponent(search)}`, { headers: world.reader });
      expect(response.status, search).toBe(200);
    }
    expect(names(await list(`search=${encodeURIComponent("100%")}`))).toEqual([`Pct 100% Sure ${TAG}`]);
    expect((await list(`search=${encodeURIComponent("1_0")}`)).total).toBe(0);
  });

  // The catalog's query semantics, from the shared code (issue 13 item 4: src/db/queries/search.ts).
  it("requires every word, each by prefix in any order, ignoring stop words alone and bare punctuation", async () => {
    expect(names(await list(`search=${encodeURIComponent("reconc the invoi")}`))).toEqual([`Invoice Reconciler ${TAG}`]);
    expect((await list(`search=${encodeURIComponent("invoice zebra")}`)).total).toBe(0);
    expect((await list(`search=${encodeURIComponent('"reconciler invoice"')}`)).total).toBe(0);
    for (const search of ["the", "%", "'"]) expect((await list(`search=${encodeURIComponent(search)}`)).total, search).toBe(0);
  });
});

describe("GET /api/marketplace/plugins/categories", () => {
  it("lists categories in display order with their visible plugins counted", async () => {
    const response = await api("/api/marketplace/plugins/categories", { headers: world.reader });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: Array<{ id: string; sort_order: number; plugin_count: number; slug: string }>; total: number };
    expect(body.total).toBe(body.items.length);
    expect(body.items.find((c) => c.id === world.category.id)).toMatchObject({ slug: world.category.slug, plugin_count: 2 });
    const orders = body.items.map((c) => c.sort_order);
    expect(orders).toEqual([...orders].sort((a, b) => a - b));
  });
});

describe("GET /api/marketplace/plugins/{id}", () => {
  it("shows the manifest, contents, versions with changelog and the scan verdict", async () => {
    const plugin = await insertPlugin(db(), {
      tags: [TAG],
      changelog: "First release",
      manifest: {
        slug: "x",
        version: "1.0.0",
        contents: {
          skills: ["skills/pr-review/SKILL.md"],
          commands: [{ path: "commands/review.md", description: "Reviews a diff" }],
          agents: [{ path: "agents/helper.md", name: "Helper" }],
          tools: [{ name: "fetch-prs", path: "tools/fetch.js", description: "Fetches PRs" }],
        },
      },
    });
    const response = await api(`/api/marketplace/plugins/${plugin.id}`, { headers: world.reader });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: plugin.id,
      slug: plugin.slug,
      version: "1.0.0",
      manifest: { slug: "x", version: "1.0.0" },
      skills: [{ name: "Pr Review", description: null, path: "skills/pr-review/SKILL.md" }],
      commands: [{ name: "Review", description: "Reviews a diff", path: "commands/review.md" }],
      agents: [{ name: "Helper", path: "agents/helper.md" }],
      tools: [{ name: "fetch-prs", description: "Fetches PRs", path: "tools/fetch.js" }],
      tools_count: 1,
      versions: [{ version: "1.0.0", changelog: "First release", prerelease: false }],
      scan: { version: "1.0.0", verdict: "safe", findings: { total: 0 } },
    });
    expect((body.versions as Array<Record<string, unknown>>)[0]).not.toHaveProperty("approval_status");
  });
});
