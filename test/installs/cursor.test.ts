import { describe, expect, it } from "vitest";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem } from "../helpers/factories";
import { problem } from "../helpers/http";
import { installer } from "./helpers";

// Issue 30 item 3: GET /api/marketplace/installs walked by cursor (keyset on installed_at, id;
// design.md §51, §54) while the workspace installs and uninstalls between pages.

const clients = useDatabase();
const db = () => clients.pool;

interface Page {
  items: Array<{ item_id: string }>;
  total: number;
  total_exact: boolean;
  offset?: number;
  next_cursor?: string | null;
}

describe("GET /api/marketplace/installs by cursor", () => {
  it("every install live for the whole walk exactly once, while items are installed and uninstalled between pages", async () => {
    const me = await installer(db());
    const skill = async () => (await createMarketplaceItem(db(), { type: "skill" })).item.id;
    const initial: string[] = [];
    for (let i = 0; i < 10; i++) {
      const id = await skill();
      expect((await me.install(id)).status).toBe(201);
      initial.push(id);
    }
    const read = async (query: string) => {
      const response = await me.get(`/api/marketplace/installs?${query}`);
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as Page;
    };
    const seen: string[] = [];
    const removed = new Set<string>();
    let body = await read("limit=3");
    expect(body).toMatchObject({ offset: 0, total: 10, total_exact: true });
    for (let n = 0; ; n++) {
      expect(n).toBeLessThan(20);
      seen.push(...body.items.map((i) => i.item_id));
      if (body.next_cursor === null) break;
      expect(typeof body.next_cursor).toBe("string");
      // Newer installs come first in this list: an offset walk would repeat entries; an uninstall of a seen one would skip one.
      for (let k = 0; k < 2; k++) expect((await me.install(await skill())).status).toBe(201);
      const gone = [seen[0], initial.find((id) => !seen.includes(id) && !removed.has(id))].filter((id): id is string => id !== undefined && !removed.has(id));
      for (const id of gone) {
        expect((await me.uninstall(id)).status).toBe(204);
        removed.add(id);
      }
      body = await read(`limit=3&cursor=${body.next_cursor}`);
      expect(body).not.toHaveProperty("offset");
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of initial) if (!removed.has(id)) expect(seen.filter((s) => s === id)).toHaveLength(1);
  });

  it("refuses a cursor with offset (400 cursor_unsupported) and one it did not write (400 invalid_cursor); later offset pages carry no cursor", async () => {
    const me = await installer(db());
    for (let i = 0; i < 2; i++) expect((await me.install((await createMarketplaceItem(db(), { type: "skill" })).item.id)).status).toBe(201);
    const first = (await (await me.get("/api/marketplace/installs?limit=1")).json()) as Page;
    expect(typeof first.next_cursor).toBe("string");
    expect(await (await me.get("/api/marketplace/installs?limit=1&offset=1")).json()).not.toHaveProperty("next_cursor");
    const withOffset = await me.get(`/api/marketplace/installs?cursor=${first.next_cursor}&offset=0`);
    expect(withOffset.status).toBe(400);
    expect((await problem(withOffset)).code).toBe("cursor_unsupported");
    const catalogCursor = Buffer.from(JSON.stringify({ v: 1, sort: "newest", key: ["2026-01-01T00:00:00.000000Z", crypto.randomUUID()] })).toString("base64url");
    const foreign = await me.get(`/api/marketplace/installs?cursor=${catalogCursor}`);
    expect(foreign.status).toBe(400);
    expect((await problem(foreign)).code).toBe("invalid_cursor");
    const last = (await (await me.get(`/api/marketplace/installs?limit=1&cursor=${first.next_cursor}`)).json()) as Page;
    expect(last.items).toHaveLength(1);
    expect(last.next_cursor).toBeNull();
  });
});
