import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { createKey } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, createWorkspace } from "../helpers/factories";
import { api, jsonRequest } from "../helpers/http";
import { installCount, installRows } from "./helpers";

// Issue 12 item 7: run against the real database of the run (PostgreSQL when the machine has it,
// as in CI; concurrency tests are not in the PGlite subset, design.md §47); the database, not the
// application, must decide every race.

const clients = useDatabase();
const db = () => clients.pool;

/** A workspace and a key that may install into it. */
async function keyedWorkspace() {
  const { workspace } = await createWorkspace(db());
  const key = await createKey(db(), workspace.id, { scopes: ["items:install"] });
  return { workspace, headers: { "X-API-Key": key.secret } };
}

const install = (itemId: string, headers: Record<string, string>) => api(`/api/marketplace/items/${itemId}/install`, jsonRequest("POST", {}, headers));

async function clonesOf(itemId: string) {
  return db().select().from(schema.items).where(eq(schema.items.clonedFromId, itemId));
}

describe("installs under concurrency", () => {
  it("100 parallel installs into 100 workspaces raise install_count by exactly 100 and write 100 rows", async () => {
    const { item } = await createMarketplaceItem(db(), { type: "skill" });
    const workspaces = [];
    for (let i = 0; i < 100; i += 20) workspaces.push(...(await Promise.all(Array.from({ length: 20 }, () => keyedWorkspace()))));
    const responses = await Promise.all(workspaces.map((w) => install(item.id, w.headers)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
    expect(await installCount(db(), item.id)).toBe(100);
    expect(await installRows(db(), item.id)).toHaveLength(100);
    expect(await clonesOf(item.id)).toHaveLength(100);
  });

  it("50 parallel installs into one workspace give one 201, 49 × 409 and one clone", async () => {
    const { item } = await createMarketplaceItem(db(), { type: "skill" });
    const w = await keyedWorkspace();
    const responses = await Promise.all(Array.from({ length: 50 }, () => install(item.id, w.headers)));
    const bodies = await Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as { code?: string } })));
    expect(bodies.filter((b) => b.status === 201)).toHaveLength(1);
    const conflicts = bodies.filter((b) => b.status === 409);
    expect(conflicts).toHaveLength(49);
    expect(conflicts.every((b) => b.body.code === "already_installed")).toBe(true);
    expect(await clonesOf(item.id)).toHaveLength(1);
    expect(await installRows(db(), item.id)).toHaveLength(1);
    expect(await installCount(db(), item.id)).toBe(1);
  });

  it("20 parallel requests with one Idempotency-Key give one clone; each answer is that 201 replayed or 409 idempotency_in_progress", async () => {
    const { item } = await createMarketplaceItem(db(), { type: "skill" });
    const w = await keyedWorkspace();
    const headers = { ...w.headers, "Idempotency-Key": crypto.randomUUID() };
    const responses = await Promise.all(Array.from({ length: 20 }, () => install(item.id, headers)));
    const bodies = await Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as { code?: string; clone_id?: string } })));
    const clones = await clonesOf(item.id);
    expect(clones).toHaveLength(1);
    for (const b of bodies) {
      if (b.status === 201) expect(b.body.clone_id).toBe(clones[0]!.id);
      else expect(b).toMatchObject({ status: 409, body: { code: "idempotency_in_progress" } });
    }
    expect(bodies.filter((b) => b.status === 201).length).toBeGreaterThanOrEqual(1);
    // Once the first has finished, the key replays it.
    const replay = await install(item.id, headers);
    expect(replay.status).toBe(201);
    expect(((await replay.json()) as { clone_id: string }).clone_id).toBe(clones[0]!.id);
    expect(await installCount(db(), item.id)).toBe(1);
  });
});
