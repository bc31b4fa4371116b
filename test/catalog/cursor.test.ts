// @module-tag pglite (cursor keys are timestamps printed by to_char with microseconds and compared as timestamptz: design.md §47)
import { inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, uniqueToken } from "../helpers/factories";
import { api, problem } from "../helpers/http";
import { catalogReaderHeaders } from "../publishing/helpers";

// Issue 30 item 3 (sonatype/nexus-public#318): walking the catalog by cursor while items are
// approved and removed between pages shows every item present for the whole walk exactly once
// (design.md §51, §54). Scoped by this file's own tag (design.md §21).

const clients = useDatabase();
const db = () => clients.pool;
const TAG = uniqueToken("cur");
let reader: Record<string, string>;

interface Page {
  items: Array<{ id: string; name: string }>;
  total: number;
  limit: number;
  offset?: number;
  next_cursor?: string | null;
}

async function page(query: string): Promise<Page> {
  const response = await api(`/api/marketplace/items?tags=${TAG}&${query}`, { headers: reader });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Page;
}

const minute = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, n));

async function item(name: string, createdAt: Date) {
  return (await createMarketplaceItem(db(), { type: "skill", name: `${name} ${uniqueToken()}`, tags: [TAG], createdAt })).item;
}

const hide = (ids: string[]) => db().update(schema.items).set({ isApproved: false }).where(inArray(schema.items.id, ids));

/**
 * Walks `sort` by cursor, 4 a page, calling `between(pageNumber, seenSoFar)` after each page; returns
 * every id in the order seen.
 */
async function walk(sort: "newest" | "name", between: (n: number, seen: string[]) => Promise<void>) {
  const seen: string[] = [];
  let body = await page(`sort=${sort}&limit=4`);
  // The first page already carries the cursor (design.md §54) next to its offset.
  expect(body.offset).toBe(0);
  for (let n = 1; ; n++) {
    seen.push(...body.items.map((i) => i.id));
    if (body.next_cursor === null) break;
    expect(typeof body.next_cursor).toBe("string");
    await between(n, seen);
    body = await page(`sort=${sort}&limit=4&cursor=${body.next_cursor}`);
    expect(body.offset).toBeUndefined();
    expect(n).toBeLessThan(20);
  }
  return seen;
}

beforeAll(async () => {
  reader = await catalogReaderHeaders(db());
});

describe("GET /api/marketplace/items by cursor", () => {
  it("sort=newest: every item present for the whole walk exactly once, while items are added and removed between pages (the issue's example)", async () => {
    const initial: Array<{ id: string; name: string }> = [];
    for (let i = 0; i < 12; i++) initial.push(await item(`Newest ${i}`, minute(100 + i)));
    // Two items created in the same microsecond: the id breaks the tie.
    initial.push(await item("Tie a", minute(105)), await item("Tie b", minute(105)));
    const removed = new Set<string>();
    const added = new Set<string>();
    const seen = await walk("newest", async (n, seenSoFar) => {
      // Newer items (they would push an offset walk back by their number) and an older one.
      for (let k = 0; k < 3; k++) added.add((await item(`Added ${n}.${k}`, minute(200 + n * 10 + k))).id);
      added.add((await item(`Older ${n}`, minute(10 + n))).id);
      // One seen item removed (an offset walk would skip one) and one not yet seen.
      const gone = [seenSoFar[0]!, initial.find((x) => !seenSoFar.includes(x.id) && !removed.has(x.id))?.id].filter((id): id is string => id !== undefined);
      await hide(gone);
      gone.forEach((id) => removed.add(id));
    });
    expect(new Set(seen).size).toBe(seen.length);
    for (const x of initial) if (!removed.has(x.id)) expect(seen.filter((id) => id === x.id), x.name).toHaveLength(1);
    // Nothing but this walk's items, and newer additions never appear behind the walk.
    expect(seen.every((id) => initial.some((x) => x.id === id) || added.has(id))).toBe(true);
  });

  it("sort=name (case-insensitive): the same, with items inserted before and after the walk's position and removed between pages", async () => {
    const prefix = uniqueToken("n");
    const initial: Array<{ id: string; name: string }> = [];
    for (const name of ["alpha", "Bravo", "charlie", "Delta", "echo", "Foxtrot", "golf", "Hotel", "india", "Juliet"]) {
      initial.push((await createMarketplaceItem(db(), { type: "skill", name: `${prefix} ${name}`, tags: [TAG] })).item);
    }
    const removed = new Set<string>();
    const seen = await walk("name", async (n, seenSoFar) => {
      // Inserted before what was seen (an offset walk would repeat an item) and after it.
      await createMarketplaceItem(db(), { type: "skill", name: `${prefix} aaa ${n}`, tags: [TAG] });
      await createMarketplaceItem(db(), { type: "skill", name: `${prefix} zzz ${n}`, tags: [TAG] });
      const next = initial.find((x) => !seenSoFar.includes(x.id) && !removed.has(x.id));
      if (next) {
        await hide([next.id]);
        removed.add(next.id);
      }
    });
    const names = seen.map((id) => initial.find((x) => x.id === id)?.name).filter((x) => x !== undefined);
    expect(new Set(seen).size).toBe(seen.length);
    for (const x of initial) if (!removed.has(x.id)) expect(seen.filter((id) => id === x.id), x.name).toHaveLength(1);
    expect(names).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  });

  it("the last page says so (next_cursor null); other orders and later offset pages carry no cursor", async () => {
    const tag = TAG;
    expect((await page("sort=newest&limit=100")).next_cursor).toBeNull();
    expect(await page("sort=popular&limit=2")).not.toHaveProperty("next_cursor");
    expect(await page("sort=newest&limit=2&offset=2")).not.toHaveProperty("next_cursor");
    expect(await page(`sort=newest&limit=2&search=${tag}`)).not.toHaveProperty("next_cursor");
  });

  it("refuses a cursor with offset, search or another order (400 cursor_unsupported) and a cursor it did not write (400 invalid_cursor)", async () => {
    await item("Refusals", minute(1));
    const cursor = (await page("sort=newest&limit=1")).next_cursor!;
    const refused = async (query: string, code: string) => {
      const response = await api(`/api/marketplace/items?tags=${TAG}&${query}`, { headers: reader });
      expect(response.status, query).toBe(400);
      expect((await problem(response)).code, query).toBe(code);
    };
    await refused(`sort=newest&cursor=${cursor}&offset=0`, "cursor_unsupported");
    await refused(`sort=newest&cursor=${cursor}&search=x`, "cursor_unsupported");
    await refused(`sort=popular&cursor=${cursor}`, "cursor_unsupported");
    await refused(`sort=relevance&cursor=${cursor}`, "cursor_unsupported");
    await refused(`sort=name&cursor=${cursor}`, "invalid_cursor");
    await refused("sort=newest&cursor=bm90LWEtY3Vyc29y", "invalid_cursor");
    await refused(`sort=newest&cursor=${Buffer.from(JSON.stringify({ v: 2, sort: "newest", key: ["2026-01-01T00:00:00.000000Z", crypto.randomUUID()] })).toString("base64url")}`, "invalid_cursor");
    // A name key PostgreSQL cannot hold (NUL, a lone surrogate) is refused before any SQL runs, on the plugin list too.
    for (const key of ["a\u0000b", "\ud800"]) {
      const hostile = Buffer.from(JSON.stringify({ v: 1, sort: "name", key: [key, crypto.randomUUID()] })).toString("base64url");
      await refused(`sort=name&cursor=${hostile}`, "invalid_cursor");
      const onPlugins = await api(`/api/marketplace/plugins?sort=name&cursor=${hostile}`, { headers: reader });
      expect(onPlugins.status).toBe(400);
    }
    // Without sort, a cursor walks its own order.
    expect((await page(`cursor=${cursor}&limit=1`)).items).toHaveLength(1);
  });
});
