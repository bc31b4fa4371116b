import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { useDatabase } from "../helpers/db";
import { api, jsonRequest } from "../helpers/http";
import { adminHeaders, workspaceOwner } from "../publishing/helpers";
import { approvedPlugin, assign, enable, tenantWithAgent } from "./in-use-helpers";

// Issue 26 item 5: a workspace's enable or assignment racing an admin's deactivate or hard delete,
// or the workspace's own disable. Concurrency tests run on PostgreSQL only (design.md §47), so this
// file has no pglite tag: two requests, each on its own connection, and the database's row locks
// must decide every order. Each race runs RUNS times with the second request started a little
// earlier or later each time, so that both orders and the interleavings between them all occur.

const clients = useDatabase();
const db = () => clients.pool;
const RUNS = 20;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

/** Starts `a`, and `b` `offsetMs` later (or `b` first and `a` -offsetMs later), and waits for both. */
async function race<A, B>(offsetMs: number, a: () => Promise<A>, b: () => Promise<B>): Promise<[A, B]> {
  const later = <T>(ms: number, run: () => Promise<T>) => new Promise<void>((resolve) => setTimeout(resolve, ms)).then(run);
  return Promise.all([offsetMs < 0 ? later(-offsetMs, a) : a(), offsetMs > 0 ? later(offsetMs, b) : b()]);
}

/** -12 … +12 ms across the runs. */
const offsetOf = (run: number) => ((run % 7) - 3) * 4;

/** The status and, for a problem, its code. */
async function outcome(response: Response): Promise<{ status: number; code?: string }> {
  const body = (await response.json().catch(() => ({}))) as { code?: string };
  return { status: response.status, ...(body.code ? { code: body.code } : {}) };
}

async function pluginRow(id: string) {
  const [row] = await db().select().from(schema.marketplacePlugins).where(eq(schema.marketplacePlugins.id, id));
  return row;
}

function enablementsOf(pluginId: string) {
  return db().select().from(schema.workspaceEnabledPlugins).where(eq(schema.workspaceEnabledPlugins.pluginId, pluginId));
}

function assignmentsOf(agentId: string, pluginId: string) {
  return db()
    .select()
    .from(schema.agentAssignedPlugins)
    .where(and(eq(schema.agentAssignedPlugins.agentId, agentId), eq(schema.agentAssignedPlugins.pluginId, pluginId)));
}

const deactivate = (pluginId: string) => api(`/api/admin/plugins/${pluginId}/deactivate`, jsonRequest("POST", {}, admin));
const reactivate = (pluginId: string) => api(`/api/admin/plugins/${pluginId}/reactivate`, jsonRequest("POST", {}, admin));
const hardDelete = (pluginId: string) => api(`/api/admin/plugins/${pluginId}`, { method: "DELETE", headers: admin });
const disable = (t: { headers: Record<string, string>; workspace: { id: string } }, pluginId: string) =>
  api(`/api/workspaces/${t.workspace.id}/plugins/${pluginId}`, { method: "DELETE", headers: t.headers });

/** Builds every run's fixtures up front (in parallel), so the races themselves run back to back. */
function fixtures<T>(make: () => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: RUNS }, make));
}

describe("enable racing an admin deactivate", () => {
  it(`leaves no enablement and enable_count 0 whichever commits first (${RUNS} runs), and reactivation enables nothing`, async () => {
    const runs = await fixtures(async () => ({ plugin: await approvedPlugin(admin), owner: await workspaceOwner(db()) }));
    for (const [i, { plugin, owner }] of runs.entries()) {
      const [enabled, deactivated] = await race(offsetOf(i), () => enable(owner.headers, owner.workspace.id, plugin.plugin_id), () => deactivate(plugin.plugin_id));
      const got = await outcome(enabled);
      // Enable committed first (and deactivate detached it) or saw the plugin inactive.
      expect([{ status: 201 }, { status: 404, code: "plugin_not_found" }]).toContainEqual(got);
      expect(deactivated.status).toBe(200);
      expect(await pluginRow(plugin.plugin_id)).toMatchObject({ isActive: false, enableCount: 0 });
      expect(await enablementsOf(plugin.plugin_id)).toEqual([]);

      expect((await reactivate(plugin.plugin_id)).status).toBe(200);
      const listed = (await (await api(`/api/workspaces/${owner.workspace.id}/plugins`, { headers: owner.headers })).json()) as { items: unknown[] };
      expect(listed.items).toEqual([]);
      expect((await pluginRow(plugin.plugin_id))!.enableCount).toBe(0);
    }
  }, 120_000);
});

describe("an agent assignment racing a disable", () => {
  it(`never leaves the assignment behind (${RUNS} runs), so enabling again brings nothing back`, async () => {
    const runs = await fixtures(enabledForAnAgent);
    for (const [i, { plugin, tenant }] of runs.entries()) {
      const [assigned, disabled] = await race(offsetOf(i), () => assign(tenant.headers, tenant.agentId, [plugin.plugin_id]), () => disable(tenant, plugin.plugin_id));
      // Assigned while enabled (then disable removed it), or refused as for any plugin not enabled.
      expect([{ status: 200 }, { status: 400, code: "plugins_not_enabled" }]).toContainEqual(await outcome(assigned));
      expect(disabled.status).toBe(200);
      expect(await assignmentsOf(tenant.agentId, plugin.plugin_id)).toEqual([]);
      expect((await pluginRow(plugin.plugin_id))!.enableCount).toBe(0);

      expect((await enable(tenant.headers, tenant.workspace.id, plugin.plugin_id)).status).toBe(201);
      const listed = (await (await api(`/api/agents/${tenant.agentId}/plugins`, { headers: tenant.headers })).json()) as { items: unknown[] };
      expect(listed.items).toEqual([]);
    }
  }, 120_000);
});

/** An approved plugin enabled in a new workspace that has an agent: the set-up of an assignment race. */
async function enabledForAnAgent() {
  const plugin = await approvedPlugin(admin);
  const tenant = await tenantWithAgent(db());
  expect((await enable(tenant.headers, tenant.workspace.id, plugin.plugin_id)).status).toBe(201);
  return { plugin, tenant };
}

describe("an agent assignment racing an admin deactivate", () => {
  it(`never leaves the assignment behind (${RUNS} runs)`, async () => {
    const runs = await fixtures(enabledForAnAgent);
    for (const [i, { plugin, tenant }] of runs.entries()) {
      const [assigned, deactivated] = await race(offsetOf(i), () => assign(tenant.headers, tenant.agentId, [plugin.plugin_id]), () => deactivate(plugin.plugin_id));
      expect([{ status: 200 }, { status: 400, code: "plugins_not_enabled" }]).toContainEqual(await outcome(assigned));
      expect(deactivated.status).toBe(200);
      expect(await assignmentsOf(tenant.agentId, plugin.plugin_id)).toEqual([]);
      expect(await enablementsOf(plugin.plugin_id)).toEqual([]);
    }
  }, 120_000);
});

describe("racing an admin hard delete", () => {
  it(`enable answers 201 or 404 plugin_not_found, never 500 (${RUNS} runs), and nothing is left`, async () => {
    const runs = await fixtures(async () => ({ plugin: await approvedPlugin(admin), owner: await workspaceOwner(db()) }));
    for (const [i, { plugin, owner }] of runs.entries()) {
      const [enabled, deleted] = await race(offsetOf(i), () => enable(owner.headers, owner.workspace.id, plugin.plugin_id), () => hardDelete(plugin.plugin_id));
      expect([{ status: 201 }, { status: 404, code: "plugin_not_found" }]).toContainEqual(await outcome(enabled));
      expect(deleted.status).toBe(200);
      expect(await pluginRow(plugin.plugin_id)).toBeUndefined();
      expect(await enablementsOf(plugin.plugin_id)).toEqual([]);
    }
  }, 120_000);

  it(`an assignment answers 200 or 400 plugins_not_enabled, never 500 (${RUNS} runs)`, async () => {
    const runs = await fixtures(enabledForAnAgent);
    for (const [i, { plugin, tenant }] of runs.entries()) {
      const [assigned, deleted] = await race(offsetOf(i), () => assign(tenant.headers, tenant.agentId, [plugin.plugin_id]), () => hardDelete(plugin.plugin_id));
      expect([{ status: 200 }, { status: 400, code: "plugins_not_enabled" }]).toContainEqual(await outcome(assigned));
      expect(deleted.status).toBe(200);
      expect(await assignmentsOf(tenant.agentId, plugin.plugin_id)).toEqual([]);
    }
  }, 120_000);
});
