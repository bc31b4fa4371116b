import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { bearer, signToken } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { addMember } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";
import { catalogTool, installer, installRows, publishedAgent, type InstallBody } from "./helpers";

const clients = useDatabase();
const db = () => clients.pool;

interface UpdateEntry {
  item_id: string;
  current_version: string;
  latest_version: string;
  removed: boolean;
  changelogs: Array<{ version: string; changelog: string | null }>;
}

async function updatesOf(me: Awaited<ReturnType<typeof installer>>) {
  const response = await me.get("/api/marketplace/updates");
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: UpdateEntry[] }).items;
}

describe("GET /api/marketplace/updates", () => {
  it("offers the highest approved stable version by semver precedence, once, with the changelogs in between", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    await me.install(agent.itemId);
    expect(await updatesOf(me)).toEqual([]);

    // A pre-release is not offered to a stable install.
    await agent.release("1.1.0-beta.1", {}, "Beta");
    expect(await updatesOf(me)).toEqual([]);

    await agent.release("1.0.1", {}, "Security fix");
    expect(await updatesOf(me)).toEqual([
      expect.objectContaining({ item_id: agent.itemId, current_version: "1.0.0", latest_version: "1.0.1", removed: false, changelogs: [{ version: "1.0.1", changelog: "Security fix" }] }),
    ]);

    // 1.10.0 is newer than 1.9.0 (a string comparison would say otherwise).
    await agent.release("1.9.0", {}, "Nine");
    await agent.release("1.10.0", {}, "Ten");
    const [entry, ...rest] = await updatesOf(me);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ latest_version: "1.10.0" });
    expect(entry!.changelogs.map((c) => c.version)).toEqual(["1.10.0", "1.9.0", "1.1.0-beta.1", "1.0.1"]);
  });

  it("offers an install on a pre-release the newer pre-releases of its line, then the release", async () => {
    const agent = await publishedAgent(db());
    await agent.release("2.0.0-rc.1");
    const me = await installer(db());
    expect((await me.install(agent.itemId, { version: "2.0.0-rc.1" })).status).toBe(201);
    expect(await updatesOf(me)).toEqual([]);
    await agent.release("2.0.0-rc.2", {}, "RC 2");
    expect(await updatesOf(me)).toEqual([expect.objectContaining({ current_version: "2.0.0-rc.1", latest_version: "2.0.0-rc.2" })]);
    await agent.release("2.0.0", {}, "Final");
    expect(await updatesOf(me)).toEqual([expect.objectContaining({ latest_version: "2.0.0" })]);
  });

  it("reports a removed item as removed instead of offering an update", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    await me.install(agent.itemId);
    await agent.release("1.1.0");
    await api(`/api/marketplace/items/${agent.itemId}`, { method: "DELETE", headers: agent.admin });
    expect(await updatesOf(me)).toEqual([
      expect.objectContaining({ item_id: agent.itemId, removed: true, update: null, latest_version: "1.0.0", listed_version: null, changelogs: [] }),
    ]);
    const apply = await me.update(agent.itemId);
    expect(apply.status).toBe(409);
    expect((await problem(apply)).code).toBe("item_removed");
  });
});

describe("POST /api/marketplace/items/{id}/update", () => {
  it("overwrites the published fields and keeps the id, a renamed name and tool connections", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    const installed = (await (await me.install(agent.itemId)).json()) as InstallBody;
    // The user renames the copy and connects the tool.
    const renamed = await api(`/api/agents/${installed.clone_id}`, jsonRequest("PATCH", { name: "My helper", tools: [agent.tool.appName], description: "Mine" }, me.headers));
    expect(renamed.status).toBe(200);
    const newTool = await catalogTool(db());
    await agent.release("1.1.0", { description: "Better", details: { agent_type: "support", model_config: { model_id: "gpt-5" } }, tools: [agent.tool.appName, newTool.appName] });

    const response = await me.update(agent.itemId);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { name: string; version: string; previous_version: string; overwritten: string[]; kept: string[]; tools_to_reconnect: Array<{ name: string }> };
    expect(body).toMatchObject({ name: "My helper", version: "1.1.0", previous_version: "1.0.0" });
    expect(body.tools_to_reconnect.map((t) => t.name)).toEqual([newTool.appName]);

    const copy = (await (await me.get(`/api/agents/${installed.clone_id}`)).json()) as Record<string, unknown>;
    expect(copy).toMatchObject({
      id: installed.clone_id,
      name: "My helper",
      description: "Better",
      version: "1.1.0",
      details: { agent_type: "support", model_config: { model_id: "gpt-5" } },
      tools: [agent.tool.appName],
      skill_ids: [agent.skill.id],
    });
    const [row] = await installRows(db(), agent.itemId);
    const [version] = await db().select().from(schema.itemVersions).where(eq(schema.itemVersions.id, row!.versionId));
    expect(version!.version).toBe("1.1.0");
    expect(await updatesOf(me)).toEqual([]);
    const again = await me.update(agent.itemId);
    expect(again.status).toBe(409);
    expect((await problem(again)).code).toBe("up_to_date");
  });

  it("lets an unrenamed copy follow the item's new name", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    await me.install(agent.itemId);
    const newName = `${agent.name} Pro`;
    await agent.release("2.0.0", { name: newName });
    expect(await (await me.update(agent.itemId)).json()).toMatchObject({ name: newName, version: "2.0.0" });
  });

  it("answers 404 not_installed and 403 to a viewer, changing nothing", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    const missing = await me.update(agent.itemId);
    expect(missing.status).toBe(404);
    expect((await problem(missing)).code).toBe("not_installed");
    await me.install(agent.itemId);
    await agent.release("1.1.0");
    const viewer = await addMember(db(), me.workspace.id, "viewer");
    const headers = { ...bearer(await signToken({ sub: viewer.clerkUserId })), "X-Workspace-ID": me.workspace.id };
    expect((await api(`/api/marketplace/items/${agent.itemId}/update`, { method: "POST", headers })).status).toBe(403);
    // A viewer may read the updates list.
    expect((await api("/api/marketplace/updates", { headers })).status).toBe(200);
    expect(await updatesOf(me)).toEqual([expect.objectContaining({ current_version: "1.0.0" })]);
  });
});
