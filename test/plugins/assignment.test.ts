import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { bearer, createKey, signToken } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { addMember, createMarketplaceItem } from "../helpers/factories";
import { api, problem } from "../helpers/http";
import { adminHeaders } from "../publishing/helpers";
import { approvedPlugin, assign, enable, enableAndAssign, tenantWithAgent } from "./in-use-helpers";

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

async function assignmentRows(agentId: string) {
  const rows = await db().select().from(schema.agentAssignedPlugins).where(eq(schema.agentAssignedPlugins.agentId, agentId));
  return rows.sort((a, b) => a.priority - b.priority).map((r) => ({ pluginId: r.pluginId, priority: r.priority }));
}

describe("replacing an agent's plugins", () => {
  it("sets priority by array order, drops duplicates keeping the first, and GET lists them by priority", async () => {
    const [a, b, c] = await Promise.all([approvedPlugin(admin), approvedPlugin(admin), approvedPlugin(admin)]);
    const tenant = await tenantWithAgent(db());
    for (const p of [a, b, c]) expect((await enable(tenant.headers, tenant.workspace.id, p.plugin_id)).status).toBe(201);
    const response = await assign(tenant.headers, tenant.agentId, [c.plugin_id, a.plugin_id, c.plugin_id, b.plugin_id]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ agent_id: tenant.agentId, plugin_ids: [c.plugin_id, a.plugin_id, b.plugin_id], assigned: 3 });
    expect(await assignmentRows(tenant.agentId)).toEqual([
      { pluginId: c.plugin_id, priority: 0 },
      { pluginId: a.plugin_id, priority: 1 },
      { pluginId: b.plugin_id, priority: 2 },
    ]);
    const listed = await api(`/api/agents/${tenant.agentId}/plugins`, { headers: tenant.headers });
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { items: Array<{ plugin_id: string; priority: number; slug: string }> };
    expect(body.items.map((i) => [i.plugin_id, i.priority])).toEqual([[c.plugin_id, 0], [a.plugin_id, 1], [b.plugin_id, 2]]);
    expect(body.items[0]!.slug).toBe(c.slug);
  });

  it("replaces the previous assignments, and an empty list clears them", async () => {
    const [a, b] = await Promise.all([approvedPlugin(admin), approvedPlugin(admin)]);
    const tenant = await tenantWithAgent(db());
    await enableAndAssign(tenant, [a.plugin_id, b.plugin_id]);
    expect((await assign(tenant.headers, tenant.agentId, [b.plugin_id])).status).toBe(200);
    expect(await assignmentRows(tenant.agentId)).toEqual([{ pluginId: b.plugin_id, priority: 0 }]);
    const cleared = await assign(tenant.headers, tenant.agentId, []);
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toMatchObject({ plugin_ids: [], assigned: 0 });
    expect(await assignmentRows(tenant.agentId)).toEqual([]);
  });
});

describe("refusals", () => {
  it("answers 400 plugins_not_enabled naming every such id, and changes nothing", async () => {
    const [enabled, notEnabled] = await Promise.all([approvedPlugin(admin), approvedPlugin(admin)]);
    const tenant = await tenantWithAgent(db());
    await enableAndAssign(tenant, [enabled.plugin_id]);
    const unknown = crypto.randomUUID();
    const response = await assign(tenant.headers, tenant.agentId, [enabled.plugin_id, notEnabled.plugin_id, unknown]);
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body.code).toBe("plugins_not_enabled");
    expect(body.detail).toBe(`Plugins not enabled for workspace: ${notEnabled.plugin_id}, ${unknown}`);
    expect(await assignmentRows(tenant.agentId)).toEqual([{ pluginId: enabled.plugin_id, priority: 0 }]);
  });

  it("answers 404 agent_not_found for a marketplace agent and for another workspace's agent", async () => {
    const tenant = await tenantWithAgent(db());
    const other = await tenantWithAgent(db());
    const { item: marketplaceAgent } = await createMarketplaceItem(db(), { type: "agent" });
    for (const agentId of [marketplaceAgent.id, other.agentId]) {
      for (const response of [await assign(tenant.headers, agentId, []), await api(`/api/agents/${agentId}/plugins`, { headers: tenant.headers })]) {
        expect(await problem(response)).toMatchObject({ status: 404, code: "agent_not_found" });
      }
      const context = await api(`/api/agents/${agentId}/assembled-context`, { headers: tenant.headers });
      expect(context.status).toBe(404);
    }
    expect(await assignmentRows(other.agentId)).toEqual([]);
  });

  it("needs the editor role to replace (a viewer may read) and items:write for a key", async () => {
    const tenant = await tenantWithAgent(db());
    const viewer = await addMember(db(), tenant.workspace.id, "viewer");
    const viewerHeaders = { ...bearer(await signToken({ sub: viewer.clerkUserId })), "X-Workspace-ID": tenant.workspace.id };
    const refused = await assign(viewerHeaders, tenant.agentId, []);
    expect(refused.status).toBe(403);
    expect((await problem(refused)).code).toBe("insufficient_role");
    expect((await api(`/api/agents/${tenant.agentId}/plugins`, { headers: viewerHeaders })).status).toBe(200);
    const editor = await addMember(db(), tenant.workspace.id, "editor");
    expect((await assign({ ...bearer(await signToken({ sub: editor.clerkUserId })), "X-Workspace-ID": tenant.workspace.id }, tenant.agentId, [])).status).toBe(200);
    const key = await createKey(db(), tenant.workspace.id, { scopes: ["items:write"] });
    expect((await assign({ "X-API-Key": key.secret }, tenant.agentId, [])).status).toBe(200);
  });
});
