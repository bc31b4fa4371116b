import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { bearer, createKey, signedInUser, signToken } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { addMember, createMarketplaceItem, createWorkspace, createWorkspaceItem, uniqueToken } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";

const clients = useDatabase();
const db = () => clients.pool;

async function editorWorkspace() {
  const { user, token } = await signedInUser(db());
  const { workspace } = await createWorkspace(db(), { owner: user });
  return { workspace, headers: { ...bearer(token), "X-Workspace-ID": workspace.id } };
}

async function catalogTool() {
  const appName = uniqueToken("APP").toUpperCase();
  await db().insert(schema.toolCatalog).values({ appName, appSlug: appName.toLowerCase(), displayName: appName });
  return appName;
}

describe("workspace agents, recipes and skills", () => {
  it("creates, reads, lists, updates and deletes an agent with its skills and tools", async () => {
    const { headers } = await editorWorkspace();
    const skill = (await (await api("/api/skills", jsonRequest("POST", { name: "Summarise", details: { prompt_template: "Sum up." } }, headers))).json()) as { id: string };
    const { item: marketSkill } = await createMarketplaceItem(db(), { type: "skill" });
    const tool = await catalogTool();
    const created = await api(
      "/api/agents",
      jsonRequest("POST", {
        name: "Helper",
        description: "Helps.",
        tags: ["ops"],
        details: { agent_type: "custom", model_config: { model_id: "gpt-4o" }, configuration: { api_key: "secret" } },
        skill_ids: [skill.id, marketSkill.id],
        tools: [tool.toLowerCase()],
      }, headers),
    );
    expect(created.status).toBe(201);
    const agent = (await created.json()) as { id: string; skill_ids: string[]; tools: string[]; details: Record<string, unknown> };
    expect(agent).toMatchObject({ skill_ids: [skill.id, marketSkill.id], tools: [tool] });
    // The workspace sees its own private configuration; only publishing filters it.
    expect(agent.details.configuration).toEqual({ api_key: "secret" });

    expect(await (await api(`/api/agents/${agent.id}`, { headers })).json()).toMatchObject({ id: agent.id, name: "Helper" });
    const listed = (await (await api("/api/agents", { headers })).json()) as { items: Array<{ id: string }>; total: number };
    expect(listed.total).toBe(1);

    const updated = await api(`/api/agents/${agent.id}`, jsonRequest("PATCH", { description: "Helps more.", skill_ids: [] }, headers));
    expect(await updated.json()).toMatchObject({ name: "Helper", description: "Helps more.", skill_ids: [], tools: [tool] });

    expect((await api(`/api/agents/${agent.id}`, { method: "DELETE", headers })).status).toBe(204);
    expect((await api(`/api/agents/${agent.id}`, { headers })).status).toBe(404);
  });

  it("keeps names unique per type in a workspace, ignoring case", async () => {
    const { headers } = await editorWorkspace();
    expect((await api("/api/recipes", jsonRequest("POST", { name: "Weekly Digest" }, headers))).status).toBe(201);
    const clash = await api("/api/recipes", jsonRequest("POST", { name: "weekly digest" }, headers));
    expect(clash.status).toBe(409);
    expect((await problem(clash)).code).toBe("name_taken");
    expect((await api("/api/skills", jsonRequest("POST", { name: "Weekly Digest" }, headers))).status).toBe(201);
    // The message reads as English: "an agent", "a recipe".
    expect((await api("/api/agents", jsonRequest("POST", { name: "Inbox Helper" }, headers))).status).toBe(201);
    const agentClash = await problem(await api("/api/agents", jsonRequest("POST", { name: "inbox helper" }, headers)));
    expect(agentClash.detail).toContain("already has an agent");
    expect((await problem(await api("/api/recipes", jsonRequest("POST", { name: "WEEKLY DIGEST" }, headers)))).detail).toContain("already has a recipe");
  });

  it("refuses unknown skills and tools, other workspaces' skills, and relations on non-agents", async () => {
    const { headers } = await editorWorkspace();
    const other = await editorWorkspace();
    const theirs = await createWorkspaceItem(db(), other.workspace.id, { type: "skill" });
    const foreignSkill = await api("/api/agents", jsonRequest("POST", { name: "A", skill_ids: [theirs.id] }, headers));
    expect(foreignSkill.status).toBe(400);
    expect((await problem(foreignSkill)).code).toBe("unknown_skills");
    const unknownTool = await api("/api/agents", jsonRequest("POST", { name: "B", tools: ["NO_SUCH_TOOL"] }, headers));
    expect((await problem(unknownTool)).code).toBe("unknown_tools");
    const recipeWithTools = await api("/api/recipes", jsonRequest("POST", { name: "C", tools: ["X"] }, headers));
    expect((await problem(recipeWithTools)).code).toBe("relations_not_supported");
    // Nothing half-written: the failed agents do not exist.
    expect(((await (await api("/api/agents", { headers })).json()) as { total: number }).total).toBe(0);
  });

  it("validates input", async () => {
    const { headers } = await editorWorkspace();
    const empty = await api("/api/agents", jsonRequest("POST", { name: " " }, headers));
    expect(empty.status).toBe(400);
    const huge = await api("/api/agents", jsonRequest("POST", { name: "Big", details: { blob: "x".repeat(40_000) } }, headers));
    expect(huge.status).toBe(400);
  });

  it("ends a clone's install record when the clone is deleted", async () => {
    const { workspace, headers } = await editorWorkspace();
    const { item, version } = await createMarketplaceItem(db());
    const clone = await createWorkspaceItem(db(), workspace.id, { name: `Copy ${uniqueToken()}` });
    await db().update(schema.items).set({ clonedFromId: item.id }).where(eq(schema.items.id, clone.id));
    await db().insert(schema.marketplaceInstalls).values({ workspaceId: workspace.id, itemId: item.id, versionId: version.id, cloneId: clone.id, actorType: "system" });
    expect((await api(`/api/agents/${clone.id}`, { method: "DELETE", headers })).status).toBe(204);
    const [install] = await db().select().from(schema.marketplaceInstalls).where(eq(schema.marketplaceInstalls.itemId, item.id));
    expect(install!.uninstalledAt).toBeInstanceOf(Date);
  });
});

describe("workspace isolation and roles", () => {
  it("answers 404 for another workspace's item on read, update and delete, and never lists it", async () => {
    const mine = await editorWorkspace();
    const theirs = await editorWorkspace();
    const item = await createWorkspaceItem(db(), theirs.workspace.id, { type: "agent" });
    expect((await api(`/api/agents/${item.id}`, { headers: mine.headers })).status).toBe(404);
    expect((await api(`/api/agents/${item.id}`, jsonRequest("PATCH", { name: "Stolen" }, mine.headers))).status).toBe(404);
    expect((await api(`/api/agents/${item.id}`, { method: "DELETE", headers: mine.headers })).status).toBe(404);
    expect(((await (await api("/api/agents", { headers: mine.headers })).json()) as { total: number }).total).toBe(0);
    const [still] = await db().select().from(schema.items).where(eq(schema.items.id, item.id));
    expect(still!.name).toBe(item.name);
  });

  it("lets viewers read but not write, and keys act within items:read / items:write", async () => {
    const { workspace, headers } = await editorWorkspace();
    await api("/api/skills", jsonRequest("POST", { name: "Readable" }, headers));
    const viewer = await addMember(db(), workspace.id, "viewer");
    const viewerHeaders = { ...bearer(await signToken({ sub: viewer.clerkUserId })), "X-Workspace-ID": workspace.id };
    expect((await api("/api/skills", { headers: viewerHeaders })).status).toBe(200);
    const write = await api("/api/skills", jsonRequest("POST", { name: "Nope" }, viewerHeaders));
    expect(write.status).toBe(403);
    expect((await problem(write)).code).toBe("insufficient_role");

    const reader = await createKey(db(), workspace.id, { scopes: ["items:read"] });
    expect((await api("/api/skills", { headers: { "X-API-Key": reader.secret } })).status).toBe(200);
    expect((await api("/api/skills", jsonRequest("POST", { name: "Nope" }, { "X-API-Key": reader.secret }))).status).toBe(403);
    const writer = await createKey(db(), workspace.id, { scopes: ["items:write"] });
    expect((await api("/api/skills", jsonRequest("POST", { name: "By key" }, { "X-API-Key": writer.secret }))).status).toBe(201);
  });
});
