import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { useDatabase } from "../helpers/db";
import { api, jsonRequest, problem } from "../helpers/http";
import { adminHeaders } from "../publishing/helpers";
import { approvedPlugin, assign, catalogTool, enable, enableAndAssign, newVersion, tenantWithAgent, type AssembledContext } from "./in-use-helpers";

// Issue 15 items 5–6: the whole assembled context is cached; every input change shows on the very
// next read, even with the entry warm.

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

type Tenant = Awaited<ReturnType<typeof tenantWithAgent>>;

const read = (t: { headers: Record<string, string> }, agentId: string) => api(`/api/agents/${agentId}/assembled-context`, { headers: t.headers });

/** Reads until the answer comes from the cache (its entry is stored after the response), and returns it. */
async function warm(t: Tenant): Promise<AssembledContext> {
  for (let i = 0; i < 40; i++) {
    const response = await read(t, t.agentId);
    expect(response.status).toBe(200);
    if (response.headers.get("x-cache") === "hit") return (await response.json()) as AssembledContext;
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the assembled context was never served from the cache");
}

/** The next read after a change: never the cached entry. */
async function next(t: Tenant): Promise<AssembledContext> {
  const response = await read(t, t.agentId);
  expect(response.status).toBe(200);
  expect(response.headers.get("x-cache")).toBe("miss");
  return (await response.json()) as AssembledContext;
}

describe("the assembled-context cache: hits", () => {
  it("serves the same body from the cache, per budget", async () => {
    const plugin = await approvedPlugin(admin);
    const tenant = await tenantWithAgent(db(), { persona: "Cached persona." });
    await enableAndAssign(tenant, [plugin.plugin_id]);
    const first = await (await read(tenant, tenant.agentId)).json();
    const hit = await warm(tenant);
    expect(hit).toEqual(first);
    expect(hit.system_prompt).toContain(plugin.marker);
    // Another budget is rendered from the agent's one Redis entry (issue 26 item 4): a hit from Redis.
    const other = await api(`/api/agents/${tenant.agentId}/assembled-context?budget=20`, { headers: tenant.headers });
    expect(other.headers.get("x-cache")).toBe("hit");
    expect(other.headers.get("x-cache-tier")).toBe("redis");
    expect(((await other.json()) as AssembledContext).budget).toBe(20);
  });
});

describe("the assembled-context cache: every input change shows on the next read", () => {
  it("agent edit (persona prompt) and tool assignment change", async () => {
    const tool = await catalogTool(db());
    const tenant = await tenantWithAgent(db(), { persona: "Before." });
    expect((await warm(tenant)).system_prompt).toBe("## Persona\nBefore.");
    const edited = await api(`/api/agents/${tenant.agentId}`, jsonRequest("PATCH", { details: { model_config: { model_id: "model-a" }, persona_prompt: "After." } }, tenant.headers));
    expect(edited.status).toBe(200);
    expect((await next(tenant)).system_prompt).toBe("## Persona\nAfter.");
    await warm(tenant);
    expect((await api(`/api/agents/${tenant.agentId}`, jsonRequest("PATCH", { tools: [tool.appName] }, tenant.headers))).status).toBe(200);
    expect((await next(tenant)).tools.map((t) => t.name)).toEqual([tool.appName]);
  });

  it("agent delete: 404 at once", async () => {
    const tenant = await tenantWithAgent(db());
    await warm(tenant);
    expect((await api(`/api/agents/${tenant.agentId}`, { method: "DELETE", headers: tenant.headers })).status).toBe(204);
    const gone = await read(tenant, tenant.agentId);
    expect(gone.status).toBe(404);
    expect((await problem(gone)).code).toBe("agent_not_found");
  });

  it("enable (of an already assigned plugin) and assignment (PUT)", async () => {
    const [a, b] = [await approvedPlugin(admin), await approvedPlugin(admin)];
    const tenant = await tenantWithAgent(db());
    // An assignment left from before a disable: the plugin shows once the workspace enables it.
    await db().insert(schema.agentAssignedPlugins).values({ agentId: tenant.agentId, pluginId: a.plugin_id, priority: 0, actorType: "system" });
    expect((await warm(tenant)).plugins).toEqual([]);
    expect((await enable(tenant.headers, tenant.workspace.id, a.plugin_id)).status).toBe(201);
    expect((await next(tenant)).plugins.map((p) => p.plugin_id)).toEqual([a.plugin_id]);
    expect((await enable(tenant.headers, tenant.workspace.id, b.plugin_id)).status).toBe(201);
    await warm(tenant);
    expect((await assign(tenant.headers, tenant.agentId, [b.plugin_id, a.plugin_id])).status).toBe(200);
    expect((await next(tenant)).plugins.map((p) => p.plugin_id)).toEqual([b.plugin_id, a.plugin_id]);
  });

  it("pin update moves to the newer version", async () => {
    const plugin = await approvedPlugin(admin);
    const tenant = await tenantWithAgent(db());
    await enableAndAssign(tenant, [plugin.plugin_id]);
    const newer = await newVersion(admin, plugin.slug, "1.1.0");
    expect((await warm(tenant)).system_prompt).toContain(plugin.marker);
    expect((await api(`/api/workspaces/${tenant.workspace.id}/plugins/${plugin.plugin_id}/update`, jsonRequest("POST", {}, tenant.headers))).status).toBe(200);
    const after = await next(tenant);
    expect(after.system_prompt).toContain(newer.marker);
    expect(after.plugins[0]!.version).toBe("1.1.0");
  });

  const removals = {
    disable: (t: Tenant, id: string) => api(`/api/workspaces/${t.workspace.id}/plugins/${id}`, { method: "DELETE", headers: t.headers }),
    deactivate: (_t: Tenant, id: string) => api(`/api/admin/plugins/${id}/deactivate`, jsonRequest("POST", {}, admin)),
    delete: (_t: Tenant, id: string) => api(`/api/admin/plugins/${id}`, { method: "DELETE", headers: admin }),
  };
  for (const [name, remove] of Object.entries(removals)) {
    it(`${name} removes the plugin`, async () => {
      const plugin = await approvedPlugin(admin);
      const tenant = await tenantWithAgent(db());
      await enableAndAssign(tenant, [plugin.plugin_id]);
      expect((await warm(tenant)).system_prompt).toContain(plugin.marker);
      expect((await remove(tenant, plugin.plugin_id)).status).toBe(200);
      const after = await next(tenant);
      expect(after.plugins).toEqual([]);
      expect(after.system_prompt).not.toContain(plugin.marker);
    });
  }
});

describe("the assembled-context cache: security", () => {
  it("another workspace gets 404 for the agent even with its context warm", async () => {
    const plugin = await approvedPlugin(admin);
    const tenant = await tenantWithAgent(db());
    const other = await tenantWithAgent(db());
    await enableAndAssign(tenant, [plugin.plugin_id]);
    await warm(tenant);
    const refused = await read(other, tenant.agentId);
    expect(refused.status).toBe(404);
    expect((await problem(refused)).code).toBe("agent_not_found");
    // Naming the owner's workspace does not help a non-member either.
    const named = await api(`/api/agents/${tenant.agentId}/assembled-context`, { headers: { ...other.headers, "X-Workspace-ID": tenant.workspace.id } });
    expect(named.status).toBe(404);
    expect((await problem(named)).code).toBe("workspace_not_found");
  });
});
