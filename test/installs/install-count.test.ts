// @module-tag pglite (the count's NOT EXISTS under the partial unique index; installs append events under an advisory lock)
import { describe, expect, inject, it } from "vitest";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem } from "../helpers/factories";
import { installCount, installer, installRows } from "./helpers";

// Issue 26 item 8, design.md §53: install_count counts workspaces that ever installed the item. The
// install transaction adds 1 only when the workspace has no earlier install row of the item;
// uninstall never subtracts. The concurrent cases need two connections: PostgreSQL only (§47).

const clients = useDatabase();
const db = () => clients.pool;
const RUNS = 20;

const skill = async (installCount = 0) => (await createMarketplaceItem(db(), { type: "skill", installCount })).item;

describe("install_count counts workspaces", () => {
  it("20 install/uninstall cycles from one workspace add exactly one", async () => {
    const item = await skill();
    const me = await installer(db());
    for (let i = 0; i < 20; i++) {
      expect((await me.install(item.id)).status).toBe(201);
      expect(await installCount(db(), item.id)).toBe(1);
      expect((await me.uninstall(item.id)).status).toBe(204);
      expect(await installCount(db(), item.id)).toBe(1);
    }
    // Every install is still recorded as history; only the count is per workspace.
    expect(await installRows(db(), item.id)).toHaveLength(20);
  });

  it("each workspace counts once, and an uninstall never subtracts", async () => {
    const item = await skill();
    const [a, b, c] = [await installer(db()), await installer(db()), await installer(db())];
    for (const w of [a, b, c]) expect((await w.install(item.id)).status).toBe(201);
    expect(await installCount(db(), item.id)).toBe(3);
    for (const w of [a, b]) expect((await w.uninstall(item.id)).status).toBe(204);
    expect(await installCount(db(), item.id)).toBe(3);
    expect((await a.install(item.id)).status).toBe(201);
    expect(await installCount(db(), item.id)).toBe(3);
  });

  it("adds to a seeded count that has no install rows behind it", async () => {
    const item = await skill(41);
    const me = await installer(db());
    expect((await me.install(item.id)).status).toBe(201);
    expect(await installCount(db(), item.id)).toBe(42);
  });

  it("a refused install (already installed) counts nothing", async () => {
    const item = await skill();
    const me = await installer(db());
    expect((await me.install(item.id)).status).toBe(201);
    const again = await me.install(item.id);
    expect(again.status).toBe(409);
    expect(await installCount(db(), item.id)).toBe(1);
  });
});

describe("install_count under concurrency (PostgreSQL: two connections)", () => {
  it.runIf(inject("databaseServer"))(`two workspaces installing at once both count (${RUNS} runs)`, async () => {
    const runs = await Promise.all(Array.from({ length: RUNS }, async () => ({ item: await skill(), a: await installer(db()), b: await installer(db()) })));
    for (const { item, a, b } of runs) {
      const statuses = (await Promise.all([a.install(item.id), b.install(item.id)])).map((r) => r.status);
      expect(statuses).toEqual([201, 201]);
      expect(await installCount(db(), item.id)).toBe(2);
    }
  }, 120_000);

  it.runIf(inject("databaseServer"))(`a re-install racing another workspace's first install counts only the first (${RUNS} runs)`, async () => {
    const runs = await Promise.all(Array.from({ length: RUNS }, async () => ({ item: await skill(), old: await installer(db()), fresh: await installer(db()) })));
    for (const { item, old, fresh } of runs) {
      expect((await old.install(item.id)).status).toBe(201);
      expect((await old.uninstall(item.id)).status).toBe(204);
      const statuses = (await Promise.all([old.install(item.id), fresh.install(item.id)])).map((r) => r.status);
      expect(statuses).toEqual([201, 201]);
      expect(await installCount(db(), item.id)).toBe(2);
    }
  }, 120_000);

  it.runIf(inject("databaseServer"))(`an install racing the same workspace's uninstall never counts again (${RUNS} runs)`, async () => {
    const runs = await Promise.all(Array.from({ length: RUNS }, async () => ({ item: await skill(), me: await installer(db()) })));
    for (const { item, me } of runs) {
      expect((await me.install(item.id)).status).toBe(201);
      // The install lands before the uninstall (409) or after it (201, a re-install): 1 either way.
      const [installed, uninstalled] = await Promise.all([me.install(item.id), me.uninstall(item.id)]);
      expect([201, 409]).toContain(installed.status);
      expect(uninstalled.status).toBe(204);
      expect(await installCount(db(), item.id)).toBe(1);
    }
  }, 120_000);
});
