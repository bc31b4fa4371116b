import { beforeAll, describe, expect, it } from "vitest";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createCategory, createMarketplaceItem, createWorkspace } from "../helpers/factories";
import { api, problem } from "../helpers/http";

// One sequential file for global aggregates, asserted as deltas around its own writes (design.md §21).
const clients = useDatabase();
const db = () => clients.pool;
const world = {} as { reader: Record<string, string>; admin: Record<string, string> };

beforeAll(async () => {
  const { workspace } = await createWorkspace(db());
  const key = await createKey(db(), workspace.id, { scopes: ["catalog:read"] });
  const admin = await signedInUser(db(), { systemRole: "admin" });
  Object.assign(world, { reader: { "X-API-Key": key.secret }, admin: bearer(admin.token) });
});

interface Stats {
  total_items: number;
  featured_count: number;
  total_installs: number;
  categories: number;
}

// Admin answers are never cached, so they show writes at once.
const stats = async () => (await (await api("/api/marketplace/stats", { headers: world.admin })).json()) as Stats;

describe("GET /api/marketplace/stats", () => {
  it("counts approved items, featured items, installs and used categories in the database", async () => {
    const before = await stats();
    const category = await createCategory(db());
    await createMarketplaceItem(db(), { category, installCount: 7, isFeatured: true });
    await createMarketplaceItem(db(), { type: "recipe", installCount: 5 });
    await createMarketplaceItem(db(), { installCount: 1000, isApproved: false });
    const after = await stats();
    expect(after.total_items - before.total_items).toBe(2);
    expect(after.featured_count - before.featured_count).toBe(1);
    expect(after.total_installs - before.total_installs).toBe(12);
    expect(after.categories - before.categories).toBe(1);
  });

  it("is cached for non-admins", async () => {
    const first = await api("/api/marketplace/stats", { headers: world.reader });
    expect(first.status).toBe(200);
    const second = await api("/api/marketplace/stats", { headers: world.reader });
    expect(second.headers.get("x-cache")).toBe("hit");
  });
});

describe("GET /api/marketplace/categories", () => {
  it("lists categories with approved items counted per type", async () => {
    const category = await createCategory(db());
    await createMarketplaceItem(db(), { category, type: "agent" });
    await createMarketplaceItem(db(), { category, type: "agent" });
    await createMarketplaceItem(db(), { category, type: "skill" });
    await createMarketplaceItem(db(), { category, type: "skill", isApproved: false });
    const body = (await (await api("/api/marketplace/categories", { headers: world.admin })).json()) as {
      items: Array<{ id: string; counts: Record<string, number>; total: number }>;
    };
    expect(body.items.find((c) => c.id === category.id)).toMatchObject({ counts: { agent: 2, skill: 1 }, total: 3 });
  });
});

describe("GET /api/marketplace/featured", () => {
  it("returns featured items of every type, most popular first, 8 by default", async () => {
    const response = await api("/api/marketplace/featured", { headers: world.admin });
    const body = (await response.json()) as { items: Array<{ is_featured: boolean; install_count: number }>; limit: number };
    expect(body.limit).toBe(8);
    expect(body.items.length).toBeLessThanOrEqual(8);
    expect(body.items.every((i) => i.is_featured)).toBe(true);
    const counts = body.items.map((i) => i.install_count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it("includes types beyond agents", async () => {
    const { item } = await createMarketplaceItem(db(), { type: "llm", isFeatured: true, installCount: 2_000_000_000, details: { model_id: crypto.randomUUID() } });
    const body = (await (await api("/api/marketplace/featured?limit=20", { headers: world.admin })).json()) as { items: Array<{ id: string; type: string; install_count: number }> };
    // On a kept test database, earlier runs' rows tie at the same count and may sort before this one
    // (ties go by id): the first row is then an LLM entry with that count all the same.
    expect(body.items[0]).toMatchObject({ type: "llm", install_count: 2_000_000_000 });
    const rerun = body.items.filter((i) => i.install_count === 2_000_000_000).length === body.items.length;
    if (!rerun) expect(body.items.map((i) => i.id)).toContain(item.id);
  });

  it("caps the limit at 20", async () => {
    const response = await api("/api/marketplace/featured?limit=21", { headers: world.reader });
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("validation_failed");
  });
});
