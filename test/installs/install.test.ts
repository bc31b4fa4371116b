// @module-tag pglite (interactive transactions and partial unique indexes: also run on the embedded database; test/suite-layout.ts)
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { createKey, signToken, bearer } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { addMember, createMarketplaceItem, createWorkspaceItem, uniqueToken } from "../helpers/factories";
import { api, problem } from "../helpers/http";
import { post } from "../publishing/helpers";
import { installCount, installer, installRows, publishedAgent, type InstallBody } from "./helpers";

const clients = useDatabase();
const db = () => clients.pool;

async function itemRow(id: string) {
  const [row] = await db().select().from(schema.items).where(eq(schema.items.id, id));
  return row;
}

describe("POST /api/marketplace/items/{id}/install: agents", () => {
  it("clones the listed version into the workspace with skills linked and tools to reconnect, in one go", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    const before = await installCount(db(), agent.itemId);
    const response = await me.install(agent.itemId);
    expect(response.status).toBe(201);
    const body = (await response.json()) as InstallBody;
    expect(body).toMatchObject({ item_id: agent.itemId, type: "agent", name: agent.name, version: "1.0.0", prerelease: false, warnings: [] });
    expect(body.skills).toEqual([{ id: agent.skill.id, name: agent.skill.name }]);
    expect(body.tools_to_reconnect).toEqual([
      { name: agent.tool.appName, display_name: agent.tool.displayName, icon: agent.tool.logoUrl, oauth_required: true },
    ]);

    const clone = await itemRow(body.clone_id);
    expect(clone).toMatchObject({
      ownerType: "workspace",
      ownerId: me.workspace.id,
      workspaceId: me.workspace.id,
      clonedFromId: agent.itemId,
      version: "1.0.0",
      description: "Answers tickets.",
      isApproved: false,
      installCount: 0,
      actorType: "user",
      actorId: me.user.id,
    });
    // The published configuration: the private key was dropped at submit and never comes back.
    expect(clone!.details).toEqual({ agent_type: "support", model_config: { model_id: "gpt-4o", temperature: 0.2 } });
    const links = await db().select().from(schema.agentSkills).where(eq(schema.agentSkills.agentId, body.clone_id));
    expect(links.map((l) => l.skillId)).toEqual([agent.skill.id]);
    expect(await db().select().from(schema.agentToolAssignments).where(eq(schema.agentToolAssignments.agentId, body.clone_id))).toEqual([]);

    const [install] = await installRows(db(), agent.itemId);
    expect(install).toMatchObject({ workspaceId: me.workspace.id, cloneId: body.clone_id, actorType: "user", actorId: me.user.id, uninstalledAt: null });
    const [version] = await db().select().from(schema.itemVersions).where(eq(schema.itemVersions.id, install!.versionId));
    expect(version!.version).toBe("1.0.0");
    expect(await installCount(db(), agent.itemId)).toBe(before + 1);

    // The copy is an ordinary workspace agent.
    const viaCrud = await me.get(`/api/agents/${body.clone_id}`);
    expect(await viaCrud.json()).toMatchObject({ id: body.clone_id, cloned_from_id: agent.itemId, skill_ids: [agent.skill.id], tools: [] });
  });

  it("copies the version's published configuration, not the marketplace row's current fields", async () => {
    const agent = await publishedAgent(db());
    await db()
      .update(schema.items)
      .set({ details: { agent_type: "tampered", webhook_url: "https://evil.test" }, description: "Live row" })
      .where(eq(schema.items.id, agent.itemId));
    const me = await installer(db());
    const body = (await (await me.install(agent.itemId)).json()) as InstallBody;
    const clone = await itemRow(body.clone_id);
    expect(clone!.details).toEqual({ agent_type: "support", model_config: { model_id: "gpt-4o", temperature: 0.2 } });
    expect(clone!.description).toBe("Answers tickets.");
  });

  it("names the copy <name>-copy, then -copy-2, comparing names case-insensitively", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    await createWorkspaceItem(db(), me.workspace.id, { name: agent.name.toUpperCase() });
    await createWorkspaceItem(db(), me.workspace.id, { name: `${agent.name}-COPY` });
    const body = (await (await me.install(agent.itemId)).json()) as InstallBody;
    expect(body.name).toBe(`${agent.name}-copy-2`);

    const other = await installer(db());
    await createWorkspaceItem(db(), other.workspace.id, { name: agent.name.toLowerCase() });
    expect(((await (await other.install(agent.itemId)).json()) as InstallBody).name).toBe(`${agent.name}-copy`);
    // Another type with the same name does not clash.
    const third = await installer(db());
    await createWorkspaceItem(db(), third.workspace.id, { type: "skill", name: agent.name });
    expect(((await (await third.install(agent.itemId)).json()) as InstallBody).name).toBe(agent.name);
  });

  it("installs a named approved version, pre-releases included; the default stays the listed stable one", async () => {
    const agent = await publishedAgent(db());
    await agent.release("1.1.0-beta.1", { description: "Beta" });
    const beta = await installer(db());
    const body = (await (await beta.install(agent.itemId, { version: "1.1.0-beta.1" })).json()) as InstallBody;
    expect(body).toMatchObject({ version: "1.1.0-beta.1", prerelease: true });
    expect((await itemRow(body.clone_id))!.description).toBe("Beta");

    const stable = await installer(db());
    expect(await (await stable.install(agent.itemId, {})).json()).toMatchObject({ version: "1.0.0", prerelease: false });
  });
});

describe("install: other types", () => {
  it("lists a recipe's recommended agents without installing them", async () => {
    const { item: recommended } = await createMarketplaceItem(db(), { type: "agent" });
    const { item: recipe, version } = await createMarketplaceItem(db(), { type: "recipe", details: { steps: [{ name: "one" }] } });
    await db().update(schema.itemVersions).set({ dependencyIds: [recommended.id] }).where(eq(schema.itemVersions.id, version.id));
    const me = await installer(db());
    const response = await me.install(recipe.id);
    expect(response.status).toBe(201);
    const body = (await response.json()) as InstallBody;
    expect(body.recommended_agents).toEqual([{ id: recommended.id, name: recommended.name, description: "" }]);
    const agents = await db()
      .select()
      .from(schema.items)
      .where(and(eq(schema.items.workspaceId, me.workspace.id), eq(schema.items.type, "agent")));
    expect(agents).toEqual([]);
    expect((await itemRow(body.clone_id))!.details).toEqual({ steps: [{ name: "one" }] });
  });

  it("installs skills and LLM entries like any item", async () => {
    const me = await installer(db());
    for (const type of ["skill", "llm"] as const) {
      const { item } = await createMarketplaceItem(db(), { type, details: type === "llm" ? { model_id: uniqueToken("m") } : {} });
      const response = await me.install(item.id);
      expect(response.status, type).toBe(201);
      const clone = await itemRow(((await response.json()) as InstallBody).clone_id);
      expect(clone).toMatchObject({ type, ownerType: "workspace", workspaceId: me.workspace.id, clonedFromId: item.id });
    }
  });

  it("refuses tools with 400 not_installable and writes nothing", async () => {
    const { item } = await createMarketplaceItem(db(), { type: "tool" });
    const me = await installer(db());
    const response = await me.install(item.id);
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("not_installable");
    expect(await installRows(db(), item.id)).toEqual([]);
    expect(await installCount(db(), item.id)).toBe(0);
  });
});

describe("install: errors", () => {
  it("answers 409 already_installed for a second install, changing nothing", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    expect((await me.install(agent.itemId)).status).toBe(201);
    const count = await installCount(db(), agent.itemId);
    const again = await me.install(agent.itemId);
    expect(again.status).toBe(409);
    expect(await problem(again)).toMatchObject({ code: "already_installed", detail: "Item already installed in workspace" });
    expect(await installCount(db(), agent.itemId)).toBe(count);
    expect(await installRows(db(), agent.itemId)).toHaveLength(1);
    const clones = await db().select().from(schema.items).where(eq(schema.items.clonedFromId, agent.itemId));
    expect(clones).toHaveLength(1);
  });

  it("answers 404 for unknown, unapproved and removed items and unapproved versions; 400 for malformed input", async () => {
    const me = await installer(db());
    expect((await problem(await me.install(crypto.randomUUID()))).code).toBe("item_not_found");
    const { item: pending } = await createMarketplaceItem(db(), { isApproved: false });
    expect((await me.install(pending.id)).status).toBe(404);

    const agent = await publishedAgent(db());
    const missing = await me.install(agent.itemId, { version: "9.9.9" });
    expect(missing.status).toBe(404);
    expect((await problem(missing)).code).toBe("version_not_found");
    expect((await me.install(agent.itemId, { version: "latest" })).status).toBe(400);
    expect((await me.install("not-a-uuid")).status).toBe(400);
    expect((await api(`/api/marketplace/items/${agent.itemId}/install`, { method: "POST", headers: { ...me.headers, "content-type": "application/json" }, body: "{" })).status).toBe(400);

    expect((await api(`/api/marketplace/items/${agent.itemId}`, { method: "DELETE", headers: agent.admin })).status).toBe(200);
    const removed = await me.install(agent.itemId);
    expect(removed.status).toBe(404);
    expect(await installRows(db(), agent.itemId)).toEqual([]);
  });
});

describe("install: security", () => {
  it("refuses a viewer (403) and installs for a key with items:install, recording the key as actor", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    const viewer = await addMember(db(), me.workspace.id, "viewer");
    const asViewer = await post(`/api/marketplace/items/${agent.itemId}/install`, {}, { ...bearer(await signToken({ sub: viewer.clerkUserId })), "X-Workspace-ID": me.workspace.id });
    expect(asViewer.status).toBe(403);
    const readOnly = await createKey(db(), me.workspace.id, { scopes: ["catalog:read", "items:read"] });
    expect((await post(`/api/marketplace/items/${agent.itemId}/install`, {}, { "X-API-Key": readOnly.secret })).status).toBe(403);
    expect(await installRows(db(), agent.itemId)).toEqual([]);

    const key = await createKey(db(), me.workspace.id, { scopes: ["items:install"] });
    const response = await api(`/api/marketplace/items/${agent.itemId}/install`, { method: "POST", headers: { "X-API-Key": key.secret } });
    expect(response.status).toBe(201);
    const [install] = await installRows(db(), agent.itemId);
    expect(install).toMatchObject({ workspaceId: me.workspace.id, actorType: "api_key", actorId: key.id });
  });

  it("never installs into a workspace the caller is not a member of (404)", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    const stranger = await installer(db());
    const response = await post(`/api/marketplace/items/${agent.itemId}/install`, {}, { ...me.headers, "X-Workspace-ID": stranger.workspace.id });
    expect(response.status).toBe(404);
    expect(await installRows(db(), agent.itemId)).toEqual([]);
  });
});

describe("DELETE /api/marketplace/items/{id}/install", () => {
  it("deletes the copy and ends the install; install_count never goes down, and a re-install does not count again", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    const first = (await (await me.install(agent.itemId)).json()) as InstallBody;
    const count = await installCount(db(), agent.itemId);
    expect((await me.uninstall(agent.itemId)).status).toBe(204);
    expect(await itemRow(first.clone_id)).toBeUndefined();
    const [row] = await installRows(db(), agent.itemId);
    expect(row!.uninstalledAt).toBeInstanceOf(Date);
    expect(await installCount(db(), agent.itemId)).toBe(count);

    const again = await me.install(agent.itemId);
    expect(again.status).toBe(201);
    // It counts workspaces that ever installed the item (design.md §53).
    expect(await installCount(db(), agent.itemId)).toBe(count);
    expect(await installRows(db(), agent.itemId)).toHaveLength(2);
  });

  it("answers 404 not_installed, also for another workspace's install, and to a viewer 403", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    const missing = await me.uninstall(agent.itemId);
    expect(missing.status).toBe(404);
    expect((await problem(missing)).code).toBe("not_installed");
    const other = await installer(db());
    const theirs = (await (await other.install(agent.itemId)).json()) as InstallBody;
    expect((await me.uninstall(agent.itemId)).status).toBe(404);
    const viewer = await addMember(db(), other.workspace.id, "viewer");
    const asViewer = await api(`/api/marketplace/items/${agent.itemId}/install`, {
      method: "DELETE",
      headers: { ...bearer(await signToken({ sub: viewer.clerkUserId })), "X-Workspace-ID": other.workspace.id },
    });
    expect(asViewer.status).toBe(403);
    expect(await itemRow(theirs.clone_id)).toBeDefined();
  });

  it("works after the item was removed from the marketplace", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    const body = (await (await me.install(agent.itemId)).json()) as InstallBody;
    await api(`/api/marketplace/items/${agent.itemId}`, { method: "DELETE", headers: agent.admin });
    expect((await me.uninstall(agent.itemId)).status).toBe(204);
    expect(await itemRow(body.clone_id)).toBeUndefined();
  });

  it("is what deleting the copy through the workspace routes does too", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    const body = (await (await me.install(agent.itemId)).json()) as InstallBody;
    expect((await api(`/api/agents/${body.clone_id}`, { method: "DELETE", headers: me.headers })).status).toBe(204);
    const [row] = await installRows(db(), agent.itemId);
    expect(row!.uninstalledAt).toBeInstanceOf(Date);
    expect((await me.uninstall(agent.itemId)).status).toBe(404);
    expect((await me.install(agent.itemId)).status).toBe(201);
  });
});

describe("GET /api/marketplace/installs", () => {
  it("lists the workspace's live installs with versions, update and removal state", async () => {
    const agent = await publishedAgent(db());
    const { item: skill } = await createMarketplaceItem(db(), { type: "skill" });
    const me = await installer(db());
    const agentCopy = (await (await me.install(agent.itemId)).json()) as InstallBody;
    await me.install(skill.id);
    await agent.release("1.1.0");
    const uninstalledLater = await createMarketplaceItem(db(), { type: "skill" });
    await me.install(uninstalledLater.item.id);
    await me.uninstall(uninstalledLater.item.id);

    const response = await me.get("/api/marketplace/installs");
    expect(response.status).toBe(200);
    const list = (await response.json()) as { items: Array<Record<string, unknown>>; total: number };
    expect(list.total).toBe(2);
    expect(list.items).toContainEqual(
      expect.objectContaining({
        item_id: agent.itemId,
        clone_id: agentCopy.clone_id,
        clone_name: agent.name,
        installed_version: "1.0.0",
        version_status: "active",
        update: "1.1.0",
        latest_version: "1.1.0",
        listed_version: "1.1.0",
        safe_version: "1.0.0",
        update_available: true,
        removed: false,
      }),
    );
    expect(list.items).toContainEqual(expect.objectContaining({ item_id: skill.id, installed_version: "1.0.0", update_available: false }));

    expect((await api(`/api/marketplace/items/${agent.itemId}`, { method: "DELETE", headers: agent.admin })).status).toBe(200);
    const removed = (await (await me.get("/api/marketplace/installs")).json()) as { items: Array<Record<string, unknown>> };
    expect(removed.items).toHaveLength(2);
    // A removed item offers nothing: no update, no listed version; latest_version is never lower than installed (design.md §39).
    expect(removed.items).toContainEqual(
      expect.objectContaining({ item_id: agent.itemId, removed: true, update: null, latest_version: "1.0.0", listed_version: null, update_available: false }),
    );

    const other = await installer(db());
    expect(await (await other.get("/api/marketplace/installs")).json()).toMatchObject({ items: [], total: 0 });
  });
});

describe("GET /api/marketplace/items/{id} with a workspace", () => {
  it("says whether and which version the named workspace installed, and is not cached for it", async () => {
    const agent = await publishedAgent(db());
    await agent.release("1.1.0-beta.1");
    const me = await installer(db());
    const before = await me.get(`/api/marketplace/items/${agent.itemId}?include=install`);
    expect(await before.json()).toMatchObject({ installed: null });
    const body = (await (await me.install(agent.itemId, { version: "1.1.0-beta.1" })).json()) as InstallBody;
    const after = await me.get(`/api/marketplace/items/${agent.itemId}?include=install`);
    expect(after.headers.get("Cache-Control")).toBe("private, no-store");
    expect(await after.json()).toMatchObject({ version: "1.0.0", installed: { version: "1.1.0-beta.1", version_status: "active", clone_id: body.clone_id } });

    // Without include=install, even with the workspace named, the detail is the shared cached one.
    const plain = await me.get(`/api/marketplace/items/${agent.itemId}`);
    expect(plain.headers.get("X-Cache")).not.toBeNull();
    expect(await plain.json()).not.toHaveProperty("installed");
    // Without a workspace the shared (cached) detail has no install field at all.
    const shared = await api(`/api/marketplace/items/${agent.itemId}`, { headers: { Authorization: me.headers.Authorization } });
    expect(await shared.json()).not.toHaveProperty("installed");
  });
});
