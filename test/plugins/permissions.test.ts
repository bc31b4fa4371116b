import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { useDatabase } from "../helpers/db";
import { uniqueToken } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";
import { adminHeaders, workspaceOwner } from "../publishing/helpers";
import { bundle, CLEAN_FILES, manifestFor, uniqueSlug, upload } from "./fixtures";
import { assign, catalogTool, tenantWithAgent } from "./in-use-helpers";

// Issue 28 item 5 (design.md §42): the permission manifest, consent on enable, and an update that
// asks for more is held until the new hash is accepted.

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

type Permissions = { environment: string[]; files: string; network: string[]; shell: boolean; tools: string[] };
interface Uploaded {
  plugin_id: string;
  permissions: Permissions;
  permissions_hash: string;
}

/** Uploads `version` of `slug` with these permissions and clean files, and approves it. */
async function publish(slug: string, version: string, permissions: Record<string, unknown> | undefined, files: Record<string, string> = CLEAN_FILES) {
  const manifest = manifestFor(slug, { version, ...(permissions ? { permissions } : {}) });
  const uploaded = await upload(bundle({ slug, files, manifest }), admin);
  expect(uploaded.status, await uploaded.clone().text()).toBe(201);
  const body = (await uploaded.json()) as Uploaded;
  const approved = await api(`/api/admin/plugins/${body.plugin_id}/approve`, jsonRequest("POST", { version }, admin));
  expect(approved.status).toBe(200);
  return body;
}

async function sha256Hex(text: string) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const enableWith = (headers: Record<string, string>, workspaceId: string, pluginId: string, accept?: string) =>
  api(`/api/workspaces/${workspaceId}/plugins`, jsonRequest("POST", { plugin_id: pluginId, ...(accept ? { accept_permissions: accept } : {}) }, headers));

const updateWith = (headers: Record<string, string>, workspaceId: string, pluginId: string, body: Record<string, unknown> = {}) =>
  api(`/api/workspaces/${workspaceId}/plugins/${pluginId}/update`, jsonRequest("POST", body, headers));

async function enabledRow(headers: Record<string, string>, workspaceId: string, pluginId: string) {
  const list = (await (await api(`/api/workspaces/${workspaceId}/plugins`, { headers })).json()) as { items: Array<Record<string, unknown>> };
  return list.items.find((row) => row.plugin_id === pluginId)!;
}

async function pinnedVersion(workspaceId: string, pluginId: string) {
  const [row] = await db()
    .select({ version: schema.pluginVersions.version, accepted: schema.workspaceEnabledPlugins.acceptedPermissionsHash })
    .from(schema.workspaceEnabledPlugins)
    .innerJoin(schema.pluginVersions, eq(schema.pluginVersions.id, schema.workspaceEnabledPlugins.pluginVersionId))
    .where(and(eq(schema.workspaceEnabledPlugins.workspaceId, workspaceId), eq(schema.workspaceEnabledPlugins.pluginId, pluginId)));
  return row;
}

describe("the permission manifest at upload", () => {
  it("stores the canonical form (sorted, de-duplicated, hosts lower-cased as A-labels) and its SHA-256", async () => {
    const slug = uniqueSlug();
    const manifest = manifestFor(slug, { permissions: { network: ["API.Example.COM", "bücher.example", "api.example.com"], environment: ["Z_TOKEN", "A_KEY"], shell: true } });
    const uploaded = await upload(bundle({ slug, manifest }), admin);
    expect(uploaded.status).toBe(201);
    const body = (await uploaded.json()) as Uploaded;
    const canonical = { environment: ["A_KEY", "Z_TOKEN"], files: "none", network: ["api.example.com", "xn--bcher-kva.example"], shell: true, tools: [] };
    expect(body.permissions).toEqual(canonical);
    expect(Object.keys(body.permissions)).toEqual(["environment", "files", "network", "shell", "tools"]);
    // An independent oracle: the hash of the canonical JSON as written here.
    expect(body.permissions_hash).toBe(await sha256Hex(JSON.stringify(canonical)));
  });

  it("refuses a host with a port, a wildcard, an IP address or a misspelt key with 400 manifest_invalid naming the field", async () => {
    for (const [permissions, field] of [
      [{ network: ["api.example.com:8443"] }, "manifest.permissions.network.0"],
      [{ network: ["*.example.com"] }, "manifest.permissions.network.0"],
      [{ network: ["203.0.113.7"] }, "manifest.permissions.network.0"],
      [{ environment: ["BAD-NAME"] }, "manifest.permissions.environment.0"],
      [{ netwrok: ["api.example.com"] }, "manifest.permissions"],
    ] as const) {
      const slug = uniqueSlug();
      const response = await upload(bundle({ slug, manifest: manifestFor(slug, { permissions }) }), admin);
      expect(response.status).toBe(400);
      const body = (await problem(response)) as { code: string; errors: Array<{ path: string }> };
      expect(body.code).toBe("manifest_invalid");
      expect(body.errors.map((e) => e.path)).toContain(field);
    }
  });

  it("refuses a tool the tool catalog does not hold, and accepts one it does", async () => {
    const slug = uniqueSlug();
    const unknown = await upload(bundle({ slug, manifest: manifestFor(slug, { permissions: { tools: [`no-such-tool-${uniqueToken().toLowerCase()}`] } }) }), admin);
    expect(unknown.status).toBe(400);
    expect(((await problem(unknown)) as { errors: Array<{ path: string }> }).errors[0]!.path).toBe("manifest.permissions.tools.0");
    const tool = await catalogTool(db());
    const known = await upload(bundle({ slug, manifest: manifestFor(slug, { permissions: { tools: [tool.appSlug] } }) }), admin);
    expect(known.status).toBe(201);
    expect(((await known.json()) as Uploaded).permissions.tools).toEqual([tool.appSlug]);
  });

  it("refuses a file the manifest does not list with 400 manifest_unlisted_file naming it, and stores nothing", async () => {
    const slug = uniqueSlug();
    const files = { ...CLEAN_FILES, "INSTALL.txt": "Run the installer first.\n", "LICENSE": "MIT\n" };
    const response = await upload(bundle({ slug, files, keepUnlisted: true }), admin);
    expect(response.status).toBe(400);
    const body = (await problem(response)) as { code: string; errors: Array<{ path: string }> };
    expect(body.code).toBe("manifest_unlisted_file");
    expect(body.errors.map((e) => e.path)).toEqual(["INSTALL.txt"]);
    const [plugin] = await db().select().from(schema.marketplacePlugins).where(eq(schema.marketplacePlugins.slug, slug));
    expect(plugin).toBeUndefined();
  });

  it("reports content that uses an undeclared host as an undeclared_capability finding with its file and line", async () => {
    const slug = uniqueSlug();
    const files = { ...CLEAN_FILES, "commands/review.md": "# /review\n\nFetch the rules first:\n\n```sh\ncurl -s https://rules.example.net/review.json\n```\n" };
    const uploaded = await upload(bundle({ slug, files, manifest: manifestFor(slug, { permissions: { shell: true } }) }), admin);
    expect(uploaded.status).toBe(201);
    const { plugin_id } = (await uploaded.json()) as Uploaded;
    const scan = (await (await api(`/api/admin/plugins/${plugin_id}/scan?version=1.0.0`, { headers: admin })).json()) as { findings: Array<Record<string, unknown>> };
    const finding = scan.findings.find((f) => f.rule_id === "undeclared_capability");
    expect(finding).toMatchObject({ file: "commands/review.md", line: 6, severity: "high" });
    expect(String(finding!.message)).toContain("rules.example.net");
  });
});

describe("consent: enable, updates, and the pin", () => {
  it("shows permissions and permissions_hash on the detail and on each version", async () => {
    const slug = uniqueSlug();
    const v1 = await publish(slug, "1.0.0", { network: ["api.example.com"] });
    const detail = (await (await api(`/api/marketplace/plugins/${v1.plugin_id}`, { headers: admin })).json()) as Record<string, any>;
    expect(detail.permissions).toEqual(v1.permissions);
    expect(detail.permissions_hash).toBe(v1.permissions_hash);
    expect(detail.versions[0]).toMatchObject({ version: "1.0.0", permissions: v1.permissions, permissions_hash: v1.permissions_hash });
  });

  it("enables a version that asks for nothing without accept_permissions", async () => {
    const slug = uniqueSlug();
    const v1 = await publish(slug, "1.0.0", undefined);
    const owner = await workspaceOwner(db());
    const response = await enableWith(owner.headers, owner.workspace.id, v1.plugin_id);
    expect(response.status).toBe(201);
    expect(((await response.json()) as Uploaded).permissions).toEqual({ environment: [], files: "none", network: [], shell: false, tools: [] });
  });

  it("escalation end to end: 1.0.0 enabled with consent; 1.1.0 adds a host; the pin moves only with the new hash", async () => {
    const slug = uniqueSlug();
    const v1 = await publish(slug, "1.0.0", { network: ["api.example.com"] });
    const { headers, workspace, agentId } = await tenantWithAgent(db());

    // No consent, or consent to other permissions: 409 with what to show, and nothing enabled.
    const missing = await enableWith(headers, workspace.id, v1.plugin_id);
    expect(missing.status).toBe(409);
    const asked = (await problem(missing)) as Record<string, any>;
    expect(asked).toMatchObject({ code: "permissions_not_accepted", permissions: v1.permissions, permissions_hash: v1.permissions_hash });
    expect(asked.permission_changes.added.network).toEqual(["api.example.com"]);
    const wrong = await enableWith(headers, workspace.id, v1.plugin_id, "0".repeat(64));
    expect(wrong.status).toBe(409);
    expect(await pinnedVersion(workspace.id, v1.plugin_id)).toBeUndefined();

    const enabled = await enableWith(headers, workspace.id, v1.plugin_id, v1.permissions_hash);
    expect(enabled.status).toBe(201);
    // In canonical key order, as hashed (design.md §42), not in the order the database keeps.
    expect(JSON.stringify(((await enabled.json()) as Uploaded).permissions)).toBe(JSON.stringify(v1.permissions));
    expect((await enabledRow(headers, workspace.id, v1.plugin_id)).permissions).toEqual(v1.permissions);

    const v11 = await publish(slug, "1.1.0", { network: ["api.example.com", "uploads.example.com"] });
    const row = await enabledRow(headers, workspace.id, v1.plugin_id);
    expect(row).toMatchObject({ version: "1.0.0", update: "1.1.0", update_available: true, update_requires_consent: true, permissions_hash: v1.permissions_hash });
    expect((row.permission_changes as any).added.network).toEqual(["uploads.example.com"]);
    expect((row.permission_changes as any).removed.network).toEqual([]);
    expect((row.update_details as any).permissions_hash).toBe(v11.permissions_hash);

    // Without the new hash (or with the old one) the pin stays.
    for (const body of [{}, { accept_permissions: v1.permissions_hash }]) {
      const held = await updateWith(headers, workspace.id, v1.plugin_id, body);
      expect(held.status).toBe(409);
      expect(((await problem(held)) as any).permission_changes.added.network).toEqual(["uploads.example.com"]);
      expect((await pinnedVersion(workspace.id, v1.plugin_id))!.version).toBe("1.0.0");
    }

    const moved = await updateWith(headers, workspace.id, v1.plugin_id, { accept_permissions: v11.permissions_hash });
    expect(moved.status).toBe(200);
    const movedBody = (await moved.json()) as Uploaded & { version: string };
    expect(movedBody).toMatchObject({ version: "1.1.0", permissions_hash: v11.permissions_hash });
    expect(JSON.stringify(movedBody.permissions)).toBe(JSON.stringify(v11.permissions));
    expect(await pinnedVersion(workspace.id, v1.plugin_id)).toEqual({ version: "1.1.0", accepted: v11.permissions_hash });

    // The assembled context lists what the workspace accepted.
    expect((await assign(headers, agentId, [v1.plugin_id])).status).toBe(200);
    const context = (await (await api(`/api/agents/${agentId}/assembled-context`, { headers })).json()) as { plugins: Array<Record<string, unknown>> };
    expect(context.plugins[0]).toMatchObject({ plugin_id: v1.plugin_id, version: "1.1.0", permissions: v11.permissions });
  });

  it("a version that asks for less moves without consent and keeps what was accepted", async () => {
    const slug = uniqueSlug();
    const v1 = await publish(slug, "1.0.0", { network: ["a.example.com", "b.example.com"], shell: true });
    const owner = await workspaceOwner(db());
    expect((await enableWith(owner.headers, owner.workspace.id, v1.plugin_id, v1.permissions_hash)).status).toBe(201);
    await publish(slug, "1.0.1", { network: ["a.example.com"] });
    const row = await enabledRow(owner.headers, owner.workspace.id, v1.plugin_id);
    expect(row.update_requires_consent).toBe(false);
    expect(row.permission_changes).toMatchObject({ removed: { network: ["b.example.com"], shell: true } });
    const moved = await updateWith(owner.headers, owner.workspace.id, v1.plugin_id);
    expect(moved.status).toBe(200);
    expect(await pinnedVersion(owner.workspace.id, v1.plugin_id)).toEqual({ version: "1.0.1", accepted: v1.permissions_hash });
  });
});
