import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { SCANNER_ENGINE_VERSION } from "../../src/domain/scan-engine";
import { adminHeaders, post } from "../publishing/helpers";
import { CHECK_VIOLATION, expectSqlState, useDatabase } from "../helpers/db";
import { createWorkspace, createWorkspaceItem } from "../helpers/factories";
import { api, problem } from "../helpers/http";
import { bundle, CLEAN_FILES, manifestFor, storedKeys, uniqueSlug, upload } from "./fixtures";

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

interface Uploaded {
  plugin_id: string;
  version_id: string;
  slug: string;
  version: string;
  security_status: string;
}

async function uploaded(opts: { slug?: string; version?: string; files?: Record<string, string> } = {}): Promise<Uploaded> {
  const slug = opts.slug ?? uniqueSlug();
  const response = await upload(bundle({ slug, files: opts.files, manifest: manifestFor(slug, { version: opts.version ?? "1.0.0" }) }), admin);
  if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Uploaded;
}

async function sha256(bytes: ArrayBuffer | Uint8Array) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function auditActions(pluginId: string) {
  const rows = await db().select().from(schema.auditLog).where(eq(schema.auditLog.targetId, pluginId));
  return rows.map((r) => ({ action: r.action, reason: r.reason, actorType: r.actorType }));
}

async function versionRow(versionId: string) {
  const [row] = await db().select().from(schema.pluginVersions).where(eq(schema.pluginVersions.id, versionId));
  return row!;
}

async function pluginRow(pluginId: string) {
  const [row] = await db().select().from(schema.marketplacePlugins).where(eq(schema.marketplacePlugins.id, pluginId));
  return row;
}

describe("the plugin review queue", () => {
  it("lists pending versions oldest first with verdict and finding counts", async () => {
    const first = await uploaded();
    const second = await uploaded({ files: { ...CLEAN_FILES, "tools/t.js": "await fetch('https://api.example.com');\n" } });
    const response = await api("/api/admin/plugins/pending?limit=100", { headers: admin });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: Array<{ version_id: string; security_status: string; findings: { total: number } }>; total: number };
    const ids = body.items.map((i) => i.version_id);
    expect(ids.indexOf(first.version_id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(first.version_id)).toBeLessThan(ids.indexOf(second.version_id));
    expect(body.items.find((i) => i.version_id === second.version_id)).toMatchObject({ security_status: "review_required", findings: { total: 1 } });
    expect(body.total).toBeGreaterThanOrEqual(2);
  });
});

describe("approve", () => {
  it("round-trips a clean bundle: upload → approve → every file readable from R2 with its SHA-256", async () => {
    const slug = uniqueSlug();
    const zip = bundle({ slug });
    const up = (await (await upload(zip, admin)).json()) as Uploaded;
    const response = await post(`/api/admin/plugins/${up.plugin_id}/approve`, {}, admin);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ plugin_id: up.plugin_id, version: "1.0.0", approval_status: "approved", latest: true });
    const original = unzipSync(zip);
    for (const [path, bytes] of Object.entries(original)) {
      const object = await env.BUNDLES.get(`plugins/${slug}/1.0.0/${path}`);
      const stored = new Uint8Array(await object!.arrayBuffer());
      expect(await sha256(stored)).toBe(await sha256(bytes));
      expect(object!.customMetadata?.sha256).toBe(await sha256(bytes));
    }
    const version = await versionRow(up.version_id);
    expect(version.approvalStatus).toBe("approved");
    expect(version.bundleSha256).toBe(await sha256(zip));
    expect((await pluginRow(up.plugin_id))!.latestVersionId).toBe(up.version_id);
    expect(await auditActions(up.plugin_id)).toEqual([{ action: "plugin.approve", reason: null, actorType: "user" }]);
  });

  it("answers 409 invalid_transition when nothing is pending", async () => {
    const up = await uploaded();
    expect((await post(`/api/admin/plugins/${up.plugin_id}/approve`, {}, admin)).status).toBe(200);
    const again = await post(`/api/admin/plugins/${up.plugin_id}/approve`, {}, admin);
    expect(again.status).toBe(409);
    expect((await problem(again)).code).toBe("invalid_transition");
  });

  it("approves a named version, and a later lower version does not become the listed one", async () => {
    const up = await uploaded({ version: "2.0.0" });
    await uploaded({ slug: up.slug, version: "1.5.0" });
    expect(await (await post(`/api/admin/plugins/${up.plugin_id}/approve`, { version: "2.0.0" }, admin)).json()).toMatchObject({ latest: true });
    expect(await (await post(`/api/admin/plugins/${up.plugin_id}/approve`, { version: "1.5.0" }, admin)).json()).toMatchObject({ latest: false });
    expect((await pluginRow(up.plugin_id))!.latestVersionId).toBe(up.version_id);
  });

  it("refuses a blocked version with 409 invalid_transition, and the CHECK refuses it in SQL too", async () => {
    const up = await uploaded();
    await db().update(schema.pluginVersions).set({ securityStatus: "blocked" }).where(eq(schema.pluginVersions.id, up.version_id));
    const response = await post(`/api/admin/plugins/${up.plugin_id}/approve`, {}, admin);
    expect(response.status).toBe(409);
    expect((await problem(response)).code).toBe("invalid_transition");
    expect((await versionRow(up.version_id)).approvalStatus).toBe("pending");
    await expectSqlState(
      db().update(schema.pluginVersions).set({ approvalStatus: "approved" }).where(eq(schema.pluginVersions.id, up.version_id)),
      CHECK_VIOLATION,
    );
  });

  it("answers 404 plugin_not_found for an unknown plugin", async () => {
    const response = await post(`/api/admin/plugins/${crypto.randomUUID()}/approve`, {}, admin);
    expect(response.status).toBe(404);
    expect((await problem(response)).code).toBe("plugin_not_found");
  });
});

describe("reject", () => {
  it("requires a reason", async () => {
    const up = await uploaded();
    const response = await post(`/api/admin/plugins/${up.plugin_id}/reject`, {}, admin);
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("validation_failed");
  });

  it("rejects the pending version with the reason, audited", async () => {
    const up = await uploaded();
    const response = await post(`/api/admin/plugins/${up.plugin_id}/reject`, { reason: "Too broad" }, admin);
    expect(response.status).toBe(200);
    expect((await versionRow(up.version_id))).toMatchObject({ approvalStatus: "rejected", rejectionReason: "Too broad" });
    expect(await auditActions(up.plugin_id)).toEqual([{ action: "plugin.reject", reason: "Too broad", actorType: "user" }]);
  });
});

describe("deactivate and reactivate", () => {
  it("deactivate removes every enablement and assignment, resets enable_count, audited; reactivate restores is_active", async () => {
    const up = await uploaded();
    await post(`/api/admin/plugins/${up.plugin_id}/approve`, {}, admin);
    const { workspace } = await createWorkspace(db());
    const agent = await createWorkspaceItem(db(), workspace.id, { type: "agent" });
    await db().insert(schema.workspaceEnabledPlugins).values({ workspaceId: workspace.id, pluginId: up.plugin_id, pluginVersionId: up.version_id, actorType: "system" });
    await db().insert(schema.agentAssignedPlugins).values({ agentId: agent.id, pluginId: up.plugin_id, actorType: "system" });
    await db().update(schema.marketplacePlugins).set({ enableCount: 1 }).where(eq(schema.marketplacePlugins.id, up.plugin_id));

    const response = await post(`/api/admin/plugins/${up.plugin_id}/deactivate`, {}, admin);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ plugin_id: up.plugin_id, is_active: false, workspaces_affected: 1, agents_affected: 1, skills_retired: 1 });
    expect(await pluginRow(up.plugin_id)).toMatchObject({ isActive: false, enableCount: 0 });
    expect(await db().select().from(schema.workspaceEnabledPlugins).where(eq(schema.workspaceEnabledPlugins.pluginId, up.plugin_id))).toEqual([]);
    expect(await db().select().from(schema.agentAssignedPlugins).where(eq(schema.agentAssignedPlugins.pluginId, up.plugin_id))).toEqual([]);

    const again = await post(`/api/admin/plugins/${up.plugin_id}/deactivate`, {}, admin);
    expect(again.status).toBe(409);
    expect((await post(`/api/admin/plugins/${up.plugin_id}/reactivate`, {}, admin)).status).toBe(200);
    expect((await pluginRow(up.plugin_id))!.isActive).toBe(true);
    expect((await post(`/api/admin/plugins/${up.plugin_id}/reactivate`, {}, admin)).status).toBe(409);
    expect((await auditActions(up.plugin_id)).map((a) => a.action).sort()).toEqual(["plugin.approve", "plugin.deactivate", "plugin.reactivate"]);
  });
});

describe("delete", () => {
  it("removes every version's R2 objects and every row, keeps the audit row; a second delete is 404", async () => {
    const up = await uploaded();
    await uploaded({ slug: up.slug, version: "1.1.0" });
    await post(`/api/admin/plugins/${up.plugin_id}/approve`, { version: "1.0.0" }, admin);
    const { workspace } = await createWorkspace(db());
    await db().insert(schema.workspaceEnabledPlugins).values({ workspaceId: workspace.id, pluginId: up.plugin_id, pluginVersionId: up.version_id, actorType: "system" });
    expect(await storedKeys(up.slug)).toHaveLength(8);

    const response = await api(`/api/admin/plugins/${up.plugin_id}`, { method: "DELETE", headers: admin });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ plugin_id: up.plugin_id, slug: up.slug, deleted: true, objects_deleted: 8 });
    expect(await storedKeys(up.slug)).toEqual([]);
    expect(await pluginRow(up.plugin_id)).toBeUndefined();
    expect(await db().select().from(schema.pluginVersions).where(eq(schema.pluginVersions.pluginId, up.plugin_id))).toEqual([]);
    expect(await db().select().from(schema.pluginSecurityScans).where(eq(schema.pluginSecurityScans.pluginVersionId, up.version_id))).toEqual([]);
    const audit = await db().select().from(schema.auditLog).where(and(eq(schema.auditLog.targetId, up.plugin_id), eq(schema.auditLog.action, "plugin.delete")));
    expect(audit[0]?.details).toMatchObject({ slug: up.slug, versions: ["1.0.0", "1.1.0"] });

    const again = await api(`/api/admin/plugins/${up.plugin_id}`, { method: "DELETE", headers: admin });
    expect(again.status).toBe(404);
  });

  it("frees the slug: the same slug and version can be uploaded afresh", async () => {
    const up = await uploaded();
    await api(`/api/admin/plugins/${up.plugin_id}`, { method: "DELETE", headers: admin });
    const fresh = await uploaded({ slug: up.slug });
    expect(fresh.plugin_id).not.toBe(up.plugin_id);
  });
});

describe("the stored scan", () => {
  it("shows the newest version's findings with file, line, rule, severity and excerpt", async () => {
    const up = await uploaded({ files: { ...CLEAN_FILES, "tools/t.js": "// helper\nconst key = process.env.API_KEY;\n" } });
    const response = await api(`/api/admin/plugins/${up.plugin_id}/scan`, { headers: admin });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { verdict: string; findings: unknown[]; version: string; engine_version: string; trigger: string };
    expect(body.verdict).toBe("review_required");
    expect({ engine: body.engine_version, trigger: body.trigger }).toEqual({ engine: SCANNER_ENGINE_VERSION, trigger: "upload" });
    expect(body.findings).toEqual([
      // The tool reads a variable its manifest does not declare (issue 28 item 5).
      { rule_id: "undeclared_capability", severity: "high", file: "tools/t.js", line: 2, message: expect.stringContaining("API_KEY"), excerpt: expect.stringContaining("process.env") },
    ]);
  });

  it("answers 404 for an unknown plugin or version", async () => {
    expect((await problem(await api(`/api/admin/plugins/${crypto.randomUUID()}/scan`, { headers: admin }))).code).toBe("plugin_not_found");
    const up = await uploaded();
    expect((await problem(await api(`/api/admin/plugins/${up.plugin_id}/scan?version=9.9.9`, { headers: admin }))).code).toBe("version_not_found");
  });
});

describe("access", () => {
  it("refuses API keys and non-admin users on upload (403)", async () => {
    const { workspace } = await createWorkspace(db());
    const { createKey, signedInUser, bearer } = await import("../helpers/auth");
    const key = await createKey(db(), workspace.id);
    const slug = uniqueSlug();
    expect((await upload(bundle({ slug }), { "X-API-Key": key.secret })).status).toBe(403);
    const user = await signedInUser(db());
    expect((await upload(bundle({ slug }), bearer(user.token))).status).toBe(403);
    expect(await storedKeys(slug)).toEqual([]);
  });
});

