import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { bearer, createKey, signToken } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { addMember } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";
import { adminHeaders, workspaceOwner } from "../publishing/helpers";
import { bundle, manifestFor, uniqueSlug, upload } from "./fixtures";
import { approvedPlugin, assign, enable, enableAndAssign, newVersion, tenantWithAgent } from "./in-use-helpers";

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

async function pluginRow(id: string) {
  const [row] = await db().select().from(schema.marketplacePlugins).where(eq(schema.marketplacePlugins.id, id));
  return row!;
}

async function enablementRow(workspaceId: string, pluginId: string) {
  const [row] = await db()
    .select()
    .from(schema.workspaceEnabledPlugins)
    .where(and(eq(schema.workspaceEnabledPlugins.workspaceId, workspaceId), eq(schema.workspaceEnabledPlugins.pluginId, pluginId)));
  return row;
}

describe("enabling a plugin for a workspace", () => {
  it("answers 201, pins the latest approved version and adds one to enable_count", async () => {
    const plugin = await approvedPlugin(admin);
    const owner = await workspaceOwner(db());
    const response = await enable(owner.headers, owner.workspace.id, plugin.plugin_id);
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ plugin_id: plugin.plugin_id, workspace_id: owner.workspace.id, version: "1.0.0" });
    const row = await enablementRow(owner.workspace.id, plugin.plugin_id);
    expect(row!.pluginVersionId).toBe((await pluginRow(plugin.plugin_id)).latestVersionId);
    expect((await pluginRow(plugin.plugin_id)).enableCount).toBe(1);
  });

  it("answers 409 plugin_already_enabled the second time and leaves enable_count alone", async () => {
    const plugin = await approvedPlugin(admin);
    const owner = await workspaceOwner(db());
    expect((await enable(owner.headers, owner.workspace.id, plugin.plugin_id)).status).toBe(201);
    const again = await enable(owner.headers, owner.workspace.id, plugin.plugin_id);
    expect(again.status).toBe(409);
    expect((await problem(again)).code).toBe("plugin_already_enabled");
    expect((await pluginRow(plugin.plugin_id)).enableCount).toBe(1);
  });

  it("answers 404 for a plugin that is pending, inactive or unknown, writing nothing", async () => {
    const owner = await workspaceOwner(db());
    const slug = uniqueSlug();
    const pending = await upload(bundle({ slug, manifest: manifestFor(slug) }), admin);
    const { plugin_id: pendingId } = (await pending.json()) as { plugin_id: string };
    const inactive = await approvedPlugin(admin);
    expect((await api(`/api/admin/plugins/${inactive.plugin_id}/deactivate`, jsonRequest("POST", {}, admin))).status).toBe(200);
    for (const id of [pendingId, inactive.plugin_id, crypto.randomUUID()]) {
      const response = await enable(owner.headers, owner.workspace.id, id);
      expect(response.status).toBe(404);
      expect((await problem(response)).code).toBe("plugin_not_found");
      expect(await enablementRow(owner.workspace.id, id)).toBeUndefined();
    }
  });

  it("is allowed to a key with plugins:enable and refused to an editor", async () => {
    const plugin = await approvedPlugin(admin);
    const owner = await workspaceOwner(db());
    const editor = await addMember(db(), owner.workspace.id, "editor");
    const asEditor = await enable({ ...bearer(await signToken({ sub: editor.clerkUserId })), "X-Workspace-ID": owner.workspace.id }, owner.workspace.id, plugin.plugin_id);
    expect(asEditor.status).toBe(403);
    expect((await problem(asEditor)).code).toBe("insufficient_role");
    const key = await createKey(db(), owner.workspace.id, { scopes: ["plugins:enable"] });
    expect((await enable({ "X-API-Key": key.secret }, owner.workspace.id, plugin.plugin_id)).status).toBe(201);
  });
});

describe("pinned versions and updates", () => {
  it("shows a newer approved version as the update, with its changelog; update moves the pin", async () => {
    const plugin = await approvedPlugin(admin);
    const owner = await workspaceOwner(db());
    expect((await enable(owner.headers, owner.workspace.id, plugin.plugin_id)).status).toBe(201);
    await newVersion(admin, plugin.slug, "1.1.0");

    const listed = await api(`/api/workspaces/${owner.workspace.id}/plugins`, { headers: owner.headers });
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as { items: Array<Record<string, unknown>>; total: number };
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({
      plugin_id: plugin.plugin_id,
      version: "1.0.0",
      version_status: "active",
      status_message: null,
      update: "1.1.0",
      update_available: true,
      latest_version: "1.1.0",
      listed_version: "1.1.0",
      safe_version: "1.0.0",
      update_details: { version: "1.1.0", changelog: "Changes in 1.1.0" },
    });

    const updated = await api(`/api/workspaces/${owner.workspace.id}/plugins/${plugin.plugin_id}/update`, jsonRequest("POST", {}, owner.headers));
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ version: "1.1.0", changelog: "Changes in 1.1.0" });
    const after = (await (await api(`/api/workspaces/${owner.workspace.id}/plugins`, { headers: owner.headers })).json()) as { items: Array<Record<string, unknown>> };
    expect(after.items[0]).toMatchObject({ version: "1.1.0", update: null, update_available: false, latest_version: "1.1.0", update_details: null });

    const again = await api(`/api/workspaces/${owner.workspace.id}/plugins/${plugin.plugin_id}/update`, jsonRequest("POST", {}, owner.headers));
    expect(again.status).toBe(409);
    expect((await problem(again)).code).toBe("up_to_date");
  });

  it("a pending newer version is no update, and update of a plugin not enabled is 404", async () => {
    const plugin = await approvedPlugin(admin);
    const owner = await workspaceOwner(db());
    expect((await enable(owner.headers, owner.workspace.id, plugin.plugin_id)).status).toBe(201);
    await newVersion(admin, plugin.slug, "2.0.0", false);
    const page = (await (await api(`/api/workspaces/${owner.workspace.id}/plugins`, { headers: owner.headers })).json()) as { items: Array<Record<string, unknown>> };
    expect(page.items[0]).toMatchObject({ version: "1.0.0", update: null, update_available: false, listed_version: "1.0.0", update_details: null });
    const other = await workspaceOwner(db());
    const response = await api(`/api/workspaces/${other.workspace.id}/plugins/${plugin.plugin_id}/update`, jsonRequest("POST", {}, other.headers));
    expect(response.status).toBe(404);
    expect((await problem(response)).code).toBe("plugin_not_enabled");
  });
});

describe("disabling a plugin", () => {
  it("unassigns it from the workspace's agents only, in the same transaction, and reports how many", async () => {
    const plugin = await approvedPlugin(admin);
    const tenant = await tenantWithAgent(db());
    const second = await api("/api/agents", jsonRequest("POST", { name: `Agent ${crypto.randomUUID().slice(0, 8)}` }, tenant.headers));
    const secondId = ((await second.json()) as { id: string }).id;
    await enableAndAssign(tenant, [plugin.plugin_id]);
    expect((await assign(tenant.headers, secondId, [plugin.plugin_id])).status).toBe(200);
    const elsewhere = await tenantWithAgent(db());
    await enableAndAssign(elsewhere, [plugin.plugin_id]);
    expect((await pluginRow(plugin.plugin_id)).enableCount).toBe(2);

    const response = await api(`/api/workspaces/${tenant.workspace.id}/plugins/${plugin.plugin_id}`, { method: "DELETE", headers: tenant.headers });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ plugin_id: plugin.plugin_id, workspace_id: tenant.workspace.id, disabled: true, agents_unassigned: 2 });
    expect(await enablementRow(tenant.workspace.id, plugin.plugin_id)).toBeUndefined();
    expect((await pluginRow(plugin.plugin_id)).enableCount).toBe(1);
    const kept = await db().select().from(schema.agentAssignedPlugins).where(eq(schema.agentAssignedPlugins.pluginId, plugin.plugin_id));
    expect(kept.map((r) => r.agentId)).toEqual([elsewhere.agentId]);
  });

  it("answers 404 plugin_not_enabled for a plugin the workspace has not enabled", async () => {
    const plugin = await approvedPlugin(admin);
    const owner = await workspaceOwner(db());
    const response = await api(`/api/workspaces/${owner.workspace.id}/plugins/${plugin.plugin_id}`, { method: "DELETE", headers: owner.headers });
    expect(response.status).toBe(404);
    expect((await problem(response)).code).toBe("plugin_not_enabled");
    expect((await pluginRow(plugin.plugin_id)).enableCount).toBe(0);
  });
});
