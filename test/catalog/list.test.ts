import { beforeAll, describe, expect, it } from "vitest";
import { createCache } from "../../src/clients/cache";
import { createLogger } from "../../src/lib/logger";
import { featureItem } from "../../src/services/moderation";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createCategory, createMarketplaceItem, createUser, createWorkspace, uniqueToken } from "../helpers/factories";
import { api, problem } from "../helpers/http";
import { env } from "cloudflare:workers";

const clients = useDatabase();
const db = () => clients.pool;

// Marketplace rows belong to no tenant: everything here is scoped by this file's own tag and category.
const TAG = uniqueToken("tag");
const world = {} as {
  category: { id: string; name: string; slug: string };
  reader: Record<string, string>;
  admin: Record<string, string>;
  ids: Record<string, string>;
};

interface ListBody {
  items: Array<{ id: string; name: string; type: string; install_count: number; is_approved: boolean; is_featured: boolean; creator_name: string }>;
  total: number;
  total_exact: boolean;
  limit: number;
  offset: number;
}

async function list(query: string, headers = world.reader): Promise<ListBody> {
  const response = await api(`/api/marketplace/items?tags=${TAG}&${query}`, { headers });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as ListBody;
}
const names = (body: ListBody) => body.items.map((i) => i.name);

beforeAll(async () => {
  const category = await createCategory(db(), `Cat ${uniqueToken()}`);
  const { workspace } = await createWorkspace(db(), { name: "Acme Publishing" });
  const key = await createKey(db(), workspace.id, { scopes: ["catalog:read"] });
  const admin = await signedInUser(db(), { systemRole: "admin" });
  const base = { tags: [TAG], publisherWorkspaceId: workspace.id };
  const ids: Record<string, string> = {};
  const specs = [
    { key: "agentA", type: "agent", name: `Agent Alpha ${TAG}`, installCount: 50, category, isFeatured: true },
    { key: "agentB", type: "agent", name: `Agent Beta ${TAG}`, installCount: 30, category },
    { key: "recipe", type: "recipe", name: `Recipe Gamma ${TAG}`, installCount: 30 },
    { key: "skill", type: "skill", name: `Skill Delta ${TAG}`, installCount: 30, category },
    { key: "llm", type: "llm", name: `Model Epsilon ${TAG}`, installCount: 10, details: { model_id: uniqueToken("m") } },
    { key: "tool", type: "tool", name: `Tool Zeta ${TAG}`, installCount: 5, isFeatured: true },
    { key: "pending", type: "agent", name: `Agent Pending ${TAG}`, installCount: 99, isApproved: false },
    { key: "percent", type: "skill", name: `Pct 100% Sure ${TAG}`, installCount: 1 },
    { key: "typo", type: "agent", name: `Invoice Reconciler ${TAG}`, installCount: 2 },
  ] as const;
  for (const [i, spec] of specs.entries()) {
    const { item } = await createMarketplaceItem(db(), { ...base, ...spec, createdAt: new Date(Date.UTC(2026, 0, 1 + i)) });
    ids[spec.key] = item.id;
  }
  world.category = category;
  world.reader = { "X-API-Key": key.secret };
  world.admin = bearer(admin.token);
  world.ids = ids;
});

describe("GET /api/marketplace/items: filters", () => {
  it("returns every approved type, most popular first, with a stable tie-breaker", async () => {
    const body = await list("");
    expect(body.total).toBe(8);
    expect(body.total_exact).toBe(true);
    expect(new Set(body.items.map((i) => i.type))).toEqual(new Set(["agent", "recipe", "skill", "llm", "tool"]));
    const counts = body.items.map((i) => i.install_count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    // Equal counts are ordered by id, so pages can never repeat or skip an item.
    const tied = body.items.filter((i) => i.install_count === 30).map((i) => i.id);
    expect(tied).toEqual([...tied].sort());
    expect(names(body)).not.toContain(`Agent Pending ${TAG}`);
    expect(body.items[0]!.creator_name).toBe("Acme Publishing");
  });

  it("filters by each type", async () => {
    for (const type of ["agent", "recipe", "skill", "llm", "tool"]) {
      const body = await list(`type=${type}`);
      expect(body.items.length, type).toBeGreaterThan(0);
      expect(body.items.every((i) => i.type === type), type).toBe(true);
    }
  });

  it("filters by category slug or name, and an unknown category matches nothing", async () => {
    const bySlug = await list(`category=${world.category.slug}`);
    expect(names(bySlug).sort()).toEqual([`Agent Alpha ${TAG}`, `Agent Beta ${TAG}`, `Skill Delta ${TAG}`].sort());
    const byName = await list(`category=${encodeURIComponent(world.category.name.toUpperCase())}`);
    expect(byName.total).toBe(3);
    expect((await list("category=no-such-category")).total).toBe(0);
  });

  it("filters by featured, both ways", async () => {
    expect(names(await list("featured=true")).sort()).toEqual([`Agent Alpha ${TAG}`, `Tool Zeta ${TAG}`].sort());
    expect((await list("featured=false")).total).toBe(6);
  });

  it("requires every tag", async () => {
    expect((await list(`tags=${TAG},other-${TAG}`)).total).toBe(0);
  });

  it("combines filters", async () => {
    const body = await list(`type=agent&category=${world.category.slug}&featured=true`);
    expect(names(body)).toEqual([`Agent Alpha ${TAG}`]);
  });
});

describe("GET /api/marketplace/items: sorting and pagination", () => {
  it("sorts by newest and by name", async () => {
    const newest = await list("sort=newest");
    expect(newest.items[0]!.name).toBe(`Invoice Reconciler ${TAG}`);
    const byName = names(await list("sort=name"));
    expect(byName).toEqual([...byName].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  });

  it("pages through everything without repeats or gaps", async () => {
    const all = (await list("limit=100")).items.map((i) => i.id);
    const paged: string[] = [];
    for (let offset = 0; offset < all.length; offset += 3) {
      const page = await list(`limit=3&offset=${offset}`);
      expect(page.total).toBe(all.length);
      paged.push(...page.items.map((i) => i.id));
    }
    expect(paged).toEqual(all);
  });

  it("answers the last page and a page past the end", async () => {
    const last = await list("limit=3&offset=6");
    expect(last.items).toHaveLength(2);
    const past = await list("limit=3&offset=100");
    expect(past).toMatchObject({ items: [], total: 8, offset: 100, limit: 3 });
  });

  it("refuses limit 0, limit 101 and a negative offset with 400", async () => {
    for (const query of ["limit=0", "limit=101", "offset=-1", "type=widget", "sort=random"]) {
      const response = await api(`/api/marketplace/items?${query}`, { headers: world.reader });
      expect(response.status, query).toBe(400);
      expect((await problem(response)).code).toBe("validation_failed");
    }
  });
});

describe("GET /api/marketplace/items: search", () => {
  it("reads an empty or blank search as no search (a cleared search box), not an error", async () => {
    const all = await list("sort=popular");
    for (const blank of ["search=", "search=%20%20", "search=%09"]) {
      const body = await list(`${blank}&sort=popular`);
      expect(body.total, blank).toBe(all.total);
      expect(names(body), blank).toEqual(names(all));
    }
  });

  it("ranks the exact name first, then by relevance", async () => {
    const body = await list(`search=${encodeURIComponent(`agent beta ${TAG}`)}`);
    expect(body.items[0]!.name).toBe(`Agent Beta ${TAG}`);
  });

  it("tolerates typos", async () => {
    const body = await list(`search=${encodeURIComponent("invoce reconciller")}`);
    expect(names(body)[0]).toBe(`Invoice Reconciler ${TAG}`);
  });

  it("treats % and _ as literal characters", async () => {
    expect(names(await list(`search=${encodeURIComponent("100%")}`))).toEqual([`Pct 100% Sure ${TAG}`]);
    // As wildcards these would match "100" and everything.
    expect((await list(`search=${encodeURIComponent("1_0")}`)).total).toBe(0);
    // Issue 13: a query without a letter or digit matches nothing (it could use no index).
    expect((await list(`search=${encodeURIComponent("%")}`)).items).toEqual([]);
  });

  it("searches descriptions and tags through full text", async () => {
    const body = await list(`search=${TAG}`);
    expect(body.total).toBe(8);
  });
});

describe("GET /api/marketplace/items: who sees what", () => {
  it("shows admins unapproved items, marked as such, uncached", async () => {
    const response = await api(`/api/marketplace/items?tags=${TAG}&type=agent`, { headers: world.admin });
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    const body = (await response.json()) as ListBody;
    const pending = body.items.find((i) => i.name === `Agent Pending ${TAG}`);
    expect(pending).toMatchObject({ is_approved: false });
    expect(body.items.filter((i) => i.is_approved)).toHaveLength(3);
  });
});

describe("caching", () => {
  it("serves repeated reads from the cache with an ETag, and 304 on If-None-Match", async () => {
    const path = `/api/marketplace/items?tags=${TAG}&type=skill`;
    const first = await api(path, { headers: world.reader });
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"g[0-9a-f]{8}-[0-9a-f]{16}"$/);
    expect(first.headers.get("cache-control")).toBe("private, max-age=60");
    const second = await api(path, { headers: world.reader });
    expect(second.headers.get("x-cache")).toBe("hit");
    expect(await second.json()).toEqual(await first.json());
    const revalidated = await api(path, { headers: { ...world.reader, "If-None-Match": etag } });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe("");
  });

  it("shows a catalog write on the next read through the one invalidation path", async () => {
    const path = `/api/marketplace/items?tags=${TAG}&featured=true`;
    const before = await api(path, { headers: world.reader });
    const etag = before.headers.get("etag")!;
    expect(names((await before.json()) as ListBody)).not.toContain(`Agent Beta ${TAG}`);
    expect((await api(path, { headers: world.reader })).headers.get("x-cache")).toBe("hit");

    // The service layer, as every moderation endpoint calls it.
    const moderator = await createUser(db(), { systemRole: "admin" });
    const deps = { db: db(), cache: createCache(env, createLogger({})), actor: { actorType: "user" as const, actorId: moderator.id }, requestId: "test" };
    await featureItem(deps, world.ids.agentB!, true);

    const after = await api(path, { headers: { ...world.reader, "If-None-Match": etag } });
    expect(after.status).toBe(200);
    expect(names((await after.json()) as ListBody)).toContain(`Agent Beta ${TAG}`);
    await featureItem(deps, world.ids.agentB!, false);
    expect(names(await list("featured=true"))).not.toContain(`Agent Beta ${TAG}`);
  });
});
