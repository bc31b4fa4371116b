// @module-tag pglite (issue 26 item 4: catalog pages computed from the database and stored in a real redis-server under a per-workspace fill budget)
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Bindings } from "../../src/env";
import { DEFAULT_CATALOG_FILLS_PER_MINUTE } from "../../src/services/catalog-cache";
import { callWithEnv } from "../helpers/app";
import { createKey, signedInUser, bearer } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, createWorkspace, uniqueToken } from "../helpers/factories";
import { rawRedis as redis } from "../helpers/cache";

// Issue 26 item 4, the catalog page cache: before, every query pair of the request, unknown ones
// included, made its own ~41 KB Redis entry (200 × `?x=$i` took Redis from 7 to 207 keys), and
// varying a valid parameter (`search`, `offset`) did the same, so one tenant could push Redis to
// OOM. Now the key is built from the validated query (unknown names dropped, defaults filled, tags
// sorted, ids lower-cased: services/catalog-cache.ts, catalogReadKey), and each API key's workspace
// (or user) may store at most CATALOG_CACHE_FILLS_PER_MINUTE new pages a minute, counted in the
// script that stores them; past it pages are still served, just not stored. Real Redis throughout.
// Serial (test/suite-layout.ts): it asserts cache hits and counts the page keys.

const clients = useDatabase();
const db = () => clients.pool;
let publisherWorkspaceId: string;

beforeAll(async () => {
  publisherWorkspaceId = (await createWorkspace(db())).workspace.id;
});


/** The page keys Redis holds under `prefix` (`catalog:<OpenAPI path>:`). */
async function scanPages(prefix: string): Promise<string[]> {
  let cursor = "0";
  const found: string[] = [];
  do {
    const [next, keys] = (await redis("SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", 1000)) as [string, string[]];
    cursor = next;
    found.push(...keys);
  } while (cursor !== "0");
  return found;
}

const pageKeys = async (prefix: string) => (await scanPages(prefix)).length;

/**
 * Drops the pages stored under `prefix` (other files' leftovers, which would expire mid-test and
 * skew a count), so that a count afterwards is what this test stored. The file runs serially, so
 * this only costs later readers a miss.
 */
async function clearPages(prefix: string): Promise<void> {
  const keys = await scanPages(prefix);
  for (let i = 0; i < keys.length; i += 500) await redis("DEL", ...keys.slice(i, i + 500));
}

const LIST_PAGES = "catalog:/api/marketplace/items:";
const DETAIL_PAGES = "catalog:/api/marketplace/items/{id}:";
const PLUGIN_PAGES = "catalog:/api/marketplace/plugins:";

/** A reader in a fresh workspace: an API key with `catalog:read`. */
async function readerKey(workspaceId?: string): Promise<Record<string, string>> {
  const id = workspaceId ?? (await createWorkspace(db())).workspace.id;
  return { "X-API-Key": (await createKey(db(), id, { scopes: ["catalog:read"] })).secret };
}

/** A catalog read through a fresh app, its deferred store finished (callWithEnv waits for it). */
async function read(path: string, headers: Record<string, string>, overrides: Partial<Bindings> = {}) {
  const response = await callWithEnv(path, overrides, { headers });
  const body = await response.text();
  expect(response.status, body).toBe(200);
  return { cache: response.headers.get("x-cache"), body };
}

describe("page keys from the validated query (issue 26 item 4)", () => {
  it("unknown parameters, filled defaults and respelled values share the plain request's entry", async () => {
    const reader = await readerKey();
    const token = uniqueToken("fill");
    await clearPages(LIST_PAGES);
    expect((await read(`/api/marketplace/items?search=${token}`, reader)).cache).toBe("miss");
    // The reviewer's reproduction: distinct unknown parameters, one entry for all of them.
    const variants = [
      ...Array.from({ length: 30 }, (_, i) => `search=${token}&x=${i}`),
      `search=${token}&limit=50&offset=0`,
      `offset=0&search=%20${token}%20&utm_source=mail`,
      `search=${token}&x=1&x=2&__proto__=1`,
    ];
    for (const query of variants) expect((await read(`/api/marketplace/items?${query}`, reader)).cache, query).toBe("hit");
    expect(await pageKeys(LIST_PAGES)).toBe(1);
  });

  it("a tag set in any order, case or spelling is one entry", async () => {
    const reader = await readerKey();
    const [a, b] = [uniqueToken("tag"), uniqueToken("tag")];
    await createMarketplaceItem(db(), { tags: [a, b], publisherWorkspaceId });
    await clearPages(LIST_PAGES);
    const first = await read(`/api/marketplace/items?tags=${a},${b}`, reader);
    expect(first.cache).toBe("miss");
    expect((JSON.parse(first.body) as { total: number }).total).toBe(1);
    for (const query of [`tags=${b},${a}`, `tags=${b}&tags=${a}`, `tags=${a.toUpperCase()},${b},${a}`]) {
      expect((await read(`/api/marketplace/items?${query}`, reader)).cache, query).toBe("hit");
    }
    expect(await pageKeys(LIST_PAGES)).toBe(1);
  });

  it("an item's detail is one entry whatever the id's case or the parameters added; the plugin list likewise", async () => {
    const reader = await readerKey();
    const { item } = await createMarketplaceItem(db(), { publisherWorkspaceId });
    await clearPages(DETAIL_PAGES);
    expect((await read(`/api/marketplace/items/${item.id}`, reader)).cache).toBe("miss");
    for (const path of [`/api/marketplace/items/${item.id.toUpperCase()}`, `/api/marketplace/items/${item.id}?x=1`, `/api/marketplace/items/${item.id.toUpperCase()}?y=2`]) {
      expect((await read(path, reader)).cache, path).toBe("hit");
    }
    expect(await pageKeys(DETAIL_PAGES)).toBe(1);

    const token = uniqueToken("plugin");
    await clearPages(PLUGIN_PAGES);
    expect((await read(`/api/marketplace/plugins?search=${token}`, reader)).cache).toBe("miss");
    for (let i = 0; i < 10; i++) expect((await read(`/api/marketplace/plugins?search=${token}&limit=20&z=${i}`, reader)).cache).toBe("hit");
    expect(await pageKeys(PLUGIN_PAGES)).toBe(1);
  });
});

describe("new pages per workspace and minute (issue 26 item 4)", () => {
  it("200 distinct searches from one workspace store the budget (120) and no more; the rest are served, not stored; a popular page stays a hit for everyone", async () => {
    const { workspace } = await createWorkspace(db());
    // Two of the workspace's keys: they share its budget.
    const keys = [await readerKey(workspace.id), await readerKey(workspace.id)];
    const token = uniqueToken("flood");
    const search = (i: number) => `/api/marketplace/items?search=${token}${i}`;
    await clearPages(LIST_PAGES);
    for (let i = 0; i < 200; i++) {
      const answer = await read(search(i), keys[i % 2]!);
      expect(answer.cache).toBe("miss");
      expect(JSON.parse(answer.body)).toMatchObject({ items: [], total: 0 });
    }
    expect(await pageKeys(LIST_PAGES)).toBe(DEFAULT_CATALOG_FILLS_PER_MINUTE);
    // Within the budget: stored; past it: computed again each time.
    expect((await read(search(0), keys[0]!)).cache).toBe("hit");
    expect((await read(search(DEFAULT_CATALOG_FILLS_PER_MINUTE - 1), keys[1]!)).cache).toBe("hit");
    expect((await read(search(DEFAULT_CATALOG_FILLS_PER_MINUTE), keys[0]!)).cache).toBe("miss");
    expect((await read(search(199), keys[1]!)).cache).toBe("miss");

    // Another workspace still stores its pages, and what it stored is a hit for the exhausted one.
    const other = await readerKey();
    const popular = `/api/marketplace/items?search=${token}popular`;
    expect((await read(popular, other)).cache).toBe("miss");
    expect((await read(popular, other)).cache).toBe("hit");
    expect((await read(popular, keys[0]!)).cache).toBe("hit");
    // So is the page past the exhausted workspace's budget, once someone with budget left asks.
    expect((await read(search(199), other)).cache).toBe("miss");
    expect((await read(search(199), keys[1]!)).cache).toBe("hit");
    const { token: session } = await signedInUser(db());
    expect((await read(popular, bearer(session))).cache).toBe("hit");
  });

  it("a user is charged as themselves, whichever workspace they name (CATALOG_CACHE_FILLS_PER_MINUTE=3)", async () => {
    const budget = { CATALOG_CACHE_FILLS_PER_MINUTE: "3" };
    const { user, token: session } = await signedInUser(db());
    const [first, second] = [(await createWorkspace(db(), { owner: user })).workspace, (await createWorkspace(db(), { owner: user })).workspace];
    const token = uniqueToken("user");
    const headers = [bearer(session), { ...bearer(session), "X-Workspace-ID": first.id }, { ...bearer(session), "X-Workspace-ID": second.id }];
    for (let i = 0; i < 6; i++) expect((await read(`/api/marketplace/items?search=${token}${i}`, headers[i % 3]!, budget)).cache).toBe("miss");
    const again = [];
    for (let i = 0; i < 6; i++) again.push((await read(`/api/marketplace/items?search=${token}${i}`, headers[0]!, budget)).cache);
    expect(again).toEqual(["hit", "hit", "hit", "miss", "miss", "miss"]);
  });
});
