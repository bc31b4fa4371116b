import { eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { useDatabase } from "../helpers/db";
import { uniqueToken } from "../helpers/factories";
import { api, problem } from "../helpers/http";
import { adminHeaders, catalogReaderHeaders } from "../publishing/helpers";
import { approvedPlugin } from "./in-use-helpers";

// Issue 30 item 3: the plugin list walked by cursor (design.md §51, §54) while plugins are approved
// and deactivated between pages. Scoped by this file's own tag (set on its plugins' rows).

const clients = useDatabase();
const db = () => clients.pool;
const TAG = uniqueToken("pcur");
let admin: Record<string, string>;
let reader: Record<string, string>;

interface Page {
  items: Array<{ id: string; name: string }>;
  offset?: number;
  next_cursor?: string | null;
}

async function page(query: string): Promise<Page> {
  const response = await api(`/api/marketplace/plugins?tags=${TAG}&${query}`, { headers: reader });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Page;
}

/** An approved plugin carrying this file's tag, named `name`. */
async function plugin(name: string) {
  const { plugin_id } = await approvedPlugin(admin);
  await db().update(schema.marketplacePlugins).set({ tags: [TAG], name }).where(eq(schema.marketplacePlugins.id, plugin_id));
  return plugin_id;
}

const deactivate = (ids: string[]) => db().update(schema.marketplacePlugins).set({ isActive: false }).where(inArray(schema.marketplacePlugins.id, ids));

async function walk(sort: "newest" | "name", between: (seen: string[]) => Promise<void>) {
  const seen: string[] = [];
  let body = await page(`sort=${sort}&limit=3`);
  expect(body.offset).toBe(0);
  for (let n = 0; n < 20; n++) {
    seen.push(...body.items.map((i) => i.id));
    if (body.next_cursor === null) return seen;
    expect(typeof body.next_cursor).toBe("string");
    await between(seen);
    body = await page(`sort=${sort}&limit=3&cursor=${body.next_cursor}`);
    expect(body).not.toHaveProperty("offset");
  }
  throw new Error("the walk did not end");
}

const prefix = uniqueToken("P");
let initial: string[] = [];

beforeAll(async () => {
  admin = await adminHeaders(db());
  reader = await catalogReaderHeaders(db());
  for (const name of ["alpha", "Bravo", "charlie", "Delta", "echo", "Foxtrot", "golf"]) initial.push(await plugin(`${prefix} ${name}`));
});

describe("GET /api/marketplace/plugins by cursor", () => {
  it("sort=newest and sort=name: every plugin present for the whole walk exactly once, while plugins are added and deactivated between pages", async () => {
    for (const sort of ["newest", "name"] as const) {
      const removed = new Set<string>();
      const seen = await walk(sort, async (seenSoFar) => {
        // Newer (and, for name, sorting first) plugins would push an offset walk back and repeat one.
        await plugin(`${prefix} aaa ${uniqueToken()}`);
        const next = initial.find((id) => !seenSoFar.includes(id) && !removed.has(id));
        if (next) {
          await deactivate([next]);
          removed.add(next);
        }
      });
      expect(new Set(seen).size, sort).toBe(seen.length);
      for (const id of initial) if (!removed.has(id)) expect(seen.filter((s) => s === id), `${sort} ${id}`).toHaveLength(1);
      // Start the next walk with every initial plugin visible again.
      await db().update(schema.marketplacePlugins).set({ isActive: true }).where(inArray(schema.marketplacePlugins.id, initial));
    }
  });

  it("refuses a cursor with offset, search or another order, and one it did not write", async () => {
    const cursor = (await page("sort=name&limit=1")).next_cursor!;
    for (const [query, code] of [
      [`sort=name&cursor=${cursor}&offset=3`, "cursor_unsupported"],
      [`sort=name&cursor=${cursor}&search=alpha`, "cursor_unsupported"],
      [`sort=popular&cursor=${cursor}`, "cursor_unsupported"],
      [`sort=newest&cursor=${cursor}`, "invalid_cursor"],
      ["sort=name&cursor=e30", "invalid_cursor"],
    ] as const) {
      const response = await api(`/api/marketplace/plugins?tags=${TAG}&${query}`, { headers: reader });
      expect(response.status, query).toBe(400);
      expect((await problem(response)).code, query).toBe(code);
    }
  });
});
