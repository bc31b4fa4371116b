import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createCache } from "../../src/clients/cache";
import { createLogger } from "../../src/lib/logger";
import { CATALOG_GENERATION_KEY, CATALOG_GENERATION_TTL_SECONDS, cachedCatalogResponse, invalidateCatalog } from "../../src/services/catalog-cache";
import { featureItem } from "../../src/services/moderation";
import { CONTEXT_TTL_SECONDS } from "../../src/services/plugins/context-cache";
import { createKey } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, createUser, createWorkspace, uniqueToken } from "../helpers/factories";
import { api } from "../helpers/http";

// The catalog generation is a random token, not an INCR counter: when Redis evicts or loses
// `catalog:generation`, no page stored under an earlier generation may become current again.
// Against the real Redis (through the Upstash endpoint). Deleting the key is, for the other files
// running meanwhile, the same as an invalidation.

const clients = useDatabase();
const db = () => clients.pool;
const cache = () => createCache(env, createLogger({}));

/** Collects deferred work so a test can wait for the Redis write, as waitUntil would. */
function deferred() {
  const pending: Promise<unknown>[] = [];
  return { defer: (work: Promise<unknown>) => void pending.push(work), settle: () => Promise.all(pending.splice(0)) };
}

const TAG = uniqueToken("gen");
let reader: Record<string, string>;
let itemId: string;
let moderatorId: string;

beforeAll(async () => {
  const { workspace } = await createWorkspace(db());
  reader = { "X-API-Key": (await createKey(db(), workspace.id, { scopes: ["catalog:read"] })).secret };
  itemId = (await createMarketplaceItem(db(), { tags: [TAG], publisherWorkspaceId: workspace.id })).item.id;
  moderatorId = (await createUser(db(), { systemRole: "admin" })).id;
});

async function featuredList() {
  const response = await api(`/api/marketplace/items?tags=${TAG}&featured=true`, { headers: reader });
  expect(response.status, await response.clone().text()).toBe(200);
  const body = (await response.json()) as { items: Array<{ id: string }> };
  return { ids: body.items.map((i) => i.id), cache: response.headers.get("x-cache"), etag: response.headers.get("etag") };
}

describe("catalog generation: eviction never revives a stale page", () => {
  it("a page cached while the key was absent is not served after a write and an eviction (the access gate's read)", async () => {
    // Absent, as a counter would read 0 …
    await cache().del(CATALOG_GENERATION_KEY);
    const before = await featuredList();
    expect(before.ids).toEqual([]);
    expect((await featuredList()).cache).toBe("hit");

    // … a write invalidates (a counter: 1) and Redis then loses the key (a counter: 0 again, and
    // the page above current once more).
    const deps = { db: db(), cache: cache(), actor: { actorType: "user" as const, actorId: moderatorId }, requestId: "test" };
    await featureItem(deps, itemId, true);
    await cache().del(CATALOG_GENERATION_KEY);

    const after = await featuredList();
    expect(after.cache).toBe("miss");
    expect(after.ids).toEqual([itemId]);
    expect(after.etag).not.toBe(before.etag);
    // The token the read drew is stored, so the next read is served from the cache again.
    const again = await featuredList();
    expect(again.ids).toEqual([itemId]);
    expect(again.cache).toBe("hit");
  });

  it("cachedCatalogResponse's own read (no prefetch) draws a fresh token when the key is absent", async () => {
    const key = `catalog:/test/generation:${crypto.randomUUID()}`;
    let calls = 0;
    const compute = async () => ({ n: ++calls });
    const work = deferred();
    const read = () => cachedCatalogResponse(cache(), key, compute, work.defer);

    await cache().del(CATALOG_GENERATION_KEY);
    const first = await read();
    await work.settle();
    expect(first).toMatchObject({ body: '{"n":1}', fromCache: false });
    expect(first.etag).toMatch(/^"g[0-9a-f]{8}-[0-9a-f]{16}"$/);
    expect(await read()).toMatchObject({ body: '{"n":1}', fromCache: true });

    await invalidateCatalog(cache());
    await cache().del(CATALOG_GENERATION_KEY);
    expect(await read()).toMatchObject({ body: '{"n":2}', fromCache: false });
    const token = await cache().get<string>(CATALOG_GENERATION_KEY);
    expect(typeof token).toBe("string");
    const ttl = await cache().redis!.ttl(CATALOG_GENERATION_KEY);
    expect(ttl).toBeGreaterThan(CATALOG_GENERATION_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(CATALOG_GENERATION_TTL_SECONDS);
  });

  it("an entry of the counter era (numeric generation) only misses", async () => {
    const key = `catalog:/test/generation:${crypto.randomUUID()}`;
    await invalidateCatalog(cache());
    await cache().set(key, { generation: 0, etag: '"g0-0000000000000000"', body: '{"stale":true}' }, 60);
    const work = deferred();
    expect(await cachedCatalogResponse(cache(), key, async () => ({ fresh: true }), work.defer)).toMatchObject({ body: '{"fresh":true}', fromCache: false });
  });
});

describe("invalidateCatalog", () => {
  it("deletes the token (a DEL, which Redis accepts at maxmemory); the next reader draws a fresh one that outlives every entry depending on it", async () => {
    const key = `catalog:/test/generation:${crypto.randomUUID()}`;
    const read = () => cachedCatalogResponse(cache(), key, async () => ({ fresh: true }), deferred().defer);
    await invalidateCatalog(cache());
    expect(await cache().get<string>(CATALOG_GENERATION_KEY)).toBeNull();
    await read();
    const first = await cache().get<string>(CATALOG_GENERATION_KEY);
    await invalidateCatalog(cache());
    expect(await cache().get<string>(CATALOG_GENERATION_KEY)).toBeNull();
    await read();
    const second = await cache().get<string>(CATALOG_GENERATION_KEY);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).not.toBe(first);
    const ttl = await cache().redis!.ttl(CATALOG_GENERATION_KEY);
    expect(ttl).toBeGreaterThan(CATALOG_GENERATION_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(CATALOG_GENERATION_TTL_SECONDS);
    expect(CATALOG_GENERATION_TTL_SECONDS).toBeGreaterThanOrEqual(2 * CONTEXT_TTL_SECONDS);
  });
});
