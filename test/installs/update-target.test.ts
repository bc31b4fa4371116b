import { describe, expect, it } from "vitest";
import { useDatabase } from "../helpers/db";
import { api, jsonRequest } from "../helpers/http";
import { installer, publishedAgent } from "./helpers";

// Issue 30 item 2 (npm/npm#9690, #12089): one answer to "what is the latest version", the same in
// the installed list and in /updates (design.md §39: src/domain/releases.ts updateTarget).

const clients = useDatabase();
const db = () => clients.pool;

interface Row {
  item_id: string;
  installed_version: string;
  update: string | null;
  update_available: boolean;
  latest_version: string;
  listed_version: string | null;
  safe_version: string | null;
}

async function views(me: Awaited<ReturnType<typeof installer>>, itemId: string) {
  const [installs, updates] = await Promise.all([me.get("/api/marketplace/installs"), me.get("/api/marketplace/updates")]);
  expect(installs.status).toBe(200);
  expect(updates.status).toBe(200);
  const installed = ((await installs.json()) as { items: Row[] }).items.find((r) => r.item_id === itemId);
  const update = ((await updates.json()) as { items: Row[] }).items.find((r) => r.item_id === itemId);
  return { installed: installed!, update };
}

async function batch(headers: Record<string, string>, itemId: string, version: string) {
  const response = await api("/api/marketplace/versions/status", jsonRequest("POST", { items: [{ item_id: itemId, version }] }, headers));
  expect(response.status).toBe(200);
  return ((await response.json()) as { results: Row[] }).results[0];
}

const fields = (r: Row) => ({ update: r.update, update_available: r.update_available, latest_version: r.latest_version, listed_version: r.listed_version });

describe("the update target is one answer in the installed list and in /updates", () => {
  it("an install on 2.0.0-beta.1 of an item listing 1.0.0 is offered 2.0.0-beta.2 in both views (the issue's example)", async () => {
    const agent = await publishedAgent(db());
    await agent.release("2.0.0-beta.1");
    const me = await installer(db());
    expect((await me.install(agent.itemId, { version: "2.0.0-beta.1" })).status).toBe(201);
    await agent.release("2.0.0-beta.2");

    const { installed, update } = await views(me, agent.itemId);
    const expected = { update: "2.0.0-beta.2", update_available: true, latest_version: "2.0.0-beta.2", listed_version: "1.0.0" };
    expect(fields(installed)).toEqual(expected);
    expect(update).toBeDefined();
    expect(fields(update!)).toEqual(expected);
    // The batch status call answers the same for the version held (design.md §39).
    expect(await batch(me.headers, agent.itemId, "2.0.0-beta.1")).toMatchObject(expected);
  });

  it("never shows a latest version below the installed one: a newest pre-release install with only lower stables has no update", async () => {
    const agent = await publishedAgent(db());
    await agent.release("3.0.0-rc.2");
    const me = await installer(db());
    expect((await me.install(agent.itemId, { version: "3.0.0-rc.2" })).status).toBe(201);
    // A lower stable and a pre-release of another line: neither is an update of 3.0.0-rc.2.
    await agent.release("2.5.0");
    await agent.release("3.1.0-alpha.1");

    const { installed, update } = await views(me, agent.itemId);
    expect(fields(installed)).toEqual({ update: null, update_available: false, latest_version: "3.0.0-rc.2", listed_version: "2.5.0" });
    expect(update).toBeUndefined();
    expect(await batch(me.headers, agent.itemId, "3.0.0-rc.2")).toMatchObject({ update: null, update_available: false, latest_version: "3.0.0-rc.2", listed_version: "2.5.0" });

    // The release of its own line is the target, in both views.
    await agent.release("3.0.0");
    const after = await views(me, agent.itemId);
    const expected = { update: "3.0.0", update_available: true, latest_version: "3.0.0", listed_version: "3.0.0" };
    expect(fields(after.installed)).toEqual(expected);
    expect(fields(after.update!)).toEqual(expected);
  });
});
