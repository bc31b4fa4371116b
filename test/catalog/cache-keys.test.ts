import { beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/domain/content-hash";
import { ListItemsQuery } from "../../src/routes/marketplace/list-items";
import { catalogReadKey } from "../../src/services/catalog-cache";
// Loading the app registers every cached catalog read's schemas (lib/route.ts, defineRoute).
import "../../src/app";
import { createKey } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createCategory, createMarketplaceItem, createWorkspace, uniqueToken } from "../helpers/factories";
import { api } from "../helpers/http";

const clients = useDatabase();
const db = () => clients.pool;
let reader: Record<string, string>;
let publisherWorkspaceId: string;

beforeAll(async () => {
  const { workspace } = await createWorkspace(db());
  publisherWorkspaceId = workspace.id;
  reader = { "X-API-Key": (await createKey(db(), workspace.id, { scopes: ["catalog:read"] })).secret };
});

interface ListBody {
  items: Array<{ id: string; type: string }>;
  total: number;
}

async function list(query: string): Promise<ListBody & { cache: string | null }> {
  const response = await api(`/api/marketplace/items?${query}`, { headers: reader });
  expect(response.status, await response.clone().text()).toBe(200);
  return { ...((await response.json()) as ListBody), cache: response.headers.get("x-cache") };
}

/** Fresh rows for one scenario: an agent and a recipe both named "<token> support". */
async function supportItems() {
  const token = uniqueToken("cache");
  const name = `${token} support`;
  const { item: agent } = await createMarketplaceItem(db(), { type: "agent", name, publisherWorkspaceId });
  await createMarketplaceItem(db(), { type: "recipe", name, publisherWorkspaceId });
  return { token, agent };
}

/** Fresh rows: a category with three featured agents and one that is not. */
async function featuredInCategory() {
  const category = await createCategory(db(), `Customer Support ${uniqueToken()}`);
  for (const featured of [true, true, true, false]) {
    await createMarketplaceItem(db(), { category, isFeatured: featured, publisherWorkspaceId });
  }
  return category.slug;
}

describe("catalog cache keys (issue 9 item 1)", () => {
  it("keeps ?search=…%26type%3Dagent apart from ?search=…&type=agent, whichever is asked first", async () => {
    const first = await supportItems();
    const encoded = await list(`search=${first.token}%20support%26type%3Dagent`);
    const split = await list(`search=${first.token}%20support&type=agent`);
    expect(split.cache).toBe("miss");
    expect(split.items.map((i) => i.id)).toEqual([first.agent.id]);
    expect(encoded.total).not.toBe(1);

    const second = await supportItems();
    const splitFirst = await list(`search=${second.token}%20support&type=agent`);
    expect(splitFirst.items.map((i) => i.id)).toEqual([second.agent.id]);
    const encodedAfter = await list(`search=${second.token}%20support%26type%3Dagent`);
    expect(encodedAfter.cache).toBe("miss");
    expect(encodedAfter.total).not.toBe(1);
  });

  it("keeps ?category=…%26featured%3Dtrue apart from ?category=…&featured=true, whichever is asked first", async () => {
    const slug = await featuredInCategory();
    expect((await list(`category=${slug}%26featured%3Dtrue`)).total).toBe(0);
    const split = await list(`category=${slug}&featured=true`);
    expect(split.cache).toBe("miss");
    expect(split.total).toBe(3);

    const other = await featuredInCategory();
    expect((await list(`category=${other}&featured=true`)).total).toBe(3);
    const encoded = await list(`category=${other}%26featured%3Dtrue`);
    expect(encoded.cache).toBe("miss");
    expect(encoded.total).toBe(0);
  });

  it("keeps a tag filter smuggled into search apart from the real one (variant: ?search=…%26tags%3D…)", async () => {
    const token = uniqueToken("cache");
    // Not "tag…": the smuggled search's word "tags" stems to a prefix of that (issue 13: every word
    // matches by prefix), and would then match the tagged item by text, not as a filter.
    const tag = uniqueToken("label");
    const { item: tagged } = await createMarketplaceItem(db(), { name: `${token} one`, tags: [tag], publisherWorkspaceId });
    await createMarketplaceItem(db(), { name: `${token} two`, publisherWorkspaceId });
    const smuggled = await list(`search=${token}%26tags%3D${tag}`);
    const real = await list(`search=${token}&tags=${tag}`);
    expect(real.cache).toBe("miss");
    expect(real.items.map((i) => i.id)).toEqual([tagged.id]);
    expect(smuggled.total).not.toBe(1);
  });

  it("serves a repeated query from the cache, and another spelling of it correctly", async () => {
    const token = uniqueToken("tag");
    await createMarketplaceItem(db(), { tags: [token, `${token}b`], publisherWorkspaceId });
    expect((await list(`tags=${token}b&tags=${token}`)).cache).toBe("miss");
    const again = await list(`tags=${token}b&tags=${token}`);
    expect(again.cache).toBe("hit");
    expect(again.total).toBe(1);
    // Keys come from the validated query (issue 26 item 4): another spelling of the same filter
    // (a comma list, another order, another case) is the same entry.
    const respelled = await list(`tags=${token.toUpperCase()},${token}b`);
    expect(respelled.cache).toBe("hit");
    expect(respelled.total).toBe(1);
  });
});

describe("catalogReadKey", () => {
  // A small domain, so that equal and nearly-equal queries (the old scheme's collisions: separators
  // inside values, one tag with a comma vs two tags, repeated names in another order; unknown names)
  // come up often.
  const NAMES = ["search", "type", "tags", "featured", "a&b", "a"];
  const VALUES = ["x", "x&type=agent", "type=agent", "a,b", "b,a", "", "1", "true", "agent", "a=b", "%26"];

  function randomPairs(random: () => number): Array<[string, string]> {
    const count = Math.floor(random() * 4);
    return Array.from({ length: count }, () => [NAMES[Math.floor(random() * NAMES.length)]!, VALUES[Math.floor(random() * VALUES.length)]!]);
  }

  /** The query as Hono's validator hands it over: each name's values, a lone one as a string. */
  function grouped(pairs: Array<[string, string]>): Record<string, string[]> {
    const queries: Record<string, string[]> = {};
    for (const [name, value] of pairs) (queries[name] ??= []).push(value);
    return queries;
  }

  /** What a key must stand for: the query as the list route parses it (null: refused, no key). */
  function meaning(pairs: Array<[string, string]>): string | null {
    const raw = Object.fromEntries(Object.entries(grouped(pairs)).map(([name, values]) => [name, values.length === 1 ? values[0] : values]));
    const parsed = ListItemsQuery.safeParse(raw);
    return parsed.success ? canonicalJson(parsed.data) : null;
  }

  const keyOf = (pairs: Array<[string, string]>) => catalogReadKey("/api/marketplace/items", {}, grouped(pairs));

  it("gives two queries the same key exactly when the route parses them to the same query, and none when it refuses them", async () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const sets = Array.from({ length: 400 }, () => randomPairs(random));
    sets.push([["search", "support&type=agent"]], [["search", "support"], ["type", "agent"]]);
    sets.push([["category", "customer-support&featured=true"]], [["category", "customer-support"], ["featured", "true"]]);
    const keys = await Promise.all(sets.map(keyOf));
    let equalPairs = 0;
    const wrong: string[] = [];
    for (let i = 0; i < sets.length; i++) {
      const mine = meaning(sets[i]!);
      if ((keys[i] === null) !== (mine === null)) wrong.push(`${JSON.stringify(sets[i])}: key ${keys[i]}`);
      for (let j = i + 1; j < sets.length; j++) {
        if (mine === null || keys[i] === null) continue;
        const same = mine === meaning(sets[j]!);
        if (same) equalPairs++;
        if ((keys[i] === keys[j]) !== same) wrong.push(`${JSON.stringify(sets[i])} vs ${JSON.stringify(sets[j])}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(equalPairs).toBeGreaterThan(0);
    expect(keys.at(-1)).not.toBe(keys.at(-2));
    expect(keys.at(-3)).not.toBe(keys.at(-4));
  });

  it("drops unknown names, fills defaults and sorts the tag set", async () => {
    const plain = await keyOf([]);
    expect(await keyOf([["x", "1"]])).toBe(plain);
    expect(await keyOf([["limit", "50"], ["offset", "0"]])).toBe(plain);
    expect(await keyOf([["tags", "B,a"]])).toBe(await keyOf([["tags", "a"], ["tags", "b"], ["tags", "a"]]));
    expect(await keyOf([["limit", "51"]])).not.toBe(plain);
  });

  it("keeps paths apart, names the route's path in the key and lower-cases path ids", async () => {
    const key = await catalogReadKey("/api/marketplace/featured", {}, { limit: ["8"] });
    expect(key).toMatch(/^catalog:\/api\/marketplace\/featured:[0-9a-f]{64}$/);
    expect(key).not.toBe(await catalogReadKey("/api/marketplace/items", {}, { limit: ["8"] }));
    const id = crypto.randomUUID();
    const detail = await catalogReadKey("/api/marketplace/items/:id", { id }, {});
    expect(detail).toMatch(/^catalog:\/api\/marketplace\/items\/\{id\}:[0-9a-f]{64}$/);
    expect(await catalogReadKey("/api/marketplace/items/:id", { id: id.toUpperCase() }, { x: ["1"] })).toBe(detail);
    expect(await catalogReadKey("/api/marketplace/items/:id", { id: "not-a-uuid" }, {})).toBeNull();
  });
});
