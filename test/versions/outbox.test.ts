// @module-tag pglite (the outbox is written under a transaction-scoped advisory lock; identity ids)
import { env } from "cloudflare:workers";
import { and, asc, eq, gt, sql } from "drizzle-orm";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { rowsOf } from "../../src/db/client";
import { appendEvents } from "../../src/db/queries/events";
import { createCache } from "../../src/clients/cache";
import * as schema from "../../src/db/schema";
import type { VersionStatus } from "../../src/domain/version-status";
import { createLogger } from "../../src/lib/logger";
import { changeItemVersionStatus, changePluginVersionStatus, type StatusDeps } from "../../src/services/version-status";
import { bearer, signedInUser } from "../helpers/auth";
import { CHECK_VIOLATION, expectSqlState, useDatabase } from "../helpers/db";
import { addItemVersion, createMarketplaceItem, createWorkspace, createWorkspaceItem } from "../helpers/factories";
import { api, jsonRequest } from "../helpers/http";
import { bundle, manifestFor, uniqueSlug, upload } from "../plugins/fixtures";
import { post, workspaceOwner } from "../publishing/helpers";

/**
 * The event outbox and the audit trail of every status change (issue 27 item 3, done-when 5;
 * design.md §23, §24, §30, §31): each change writes exactly one audit row and one `version.*`
 * event, in the same transaction as the status; a failure after the status write leaves neither
 * (nor the status, nor a generation bump). The other writes the issue names (approval, rejection,
 * listed version, feature, removal, install, uninstall, update, plugin enable/disable/pin,
 * deactivate/reactivate/delete) each append their event.
 */

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;
let adminUserId: string;

beforeAll(async () => {
  const signed = await signedInUser(db(), { systemRole: "admin" });
  admin = bearer(signed.token);
  adminUserId = signed.user.id;
});

const deps = (afterWrite?: StatusDeps["afterWrite"]): StatusDeps => ({
  db: db(),
  cache: createCache(env, createLogger({})),
  actor: { actorType: "user", actorId: adminUserId },
  requestId: "outbox-test",
  afterWrite,
});

/** The newest event id now: the cursor a test reads after. */
async function cursor(): Promise<number> {
  const [row] = await db().select({ id: sql<string>`coalesce(max(${schema.catalogEvents.id}), 0)` }).from(schema.catalogEvents);
  return Number(row!.id);
}

/** Events after `after` about these subjects (items, plugins or workspaces), oldest first. */
function eventsAbout(after: number, ids: { itemId?: string; pluginId?: string; workspaceId?: string }) {
  const about = ids.itemId ? eq(schema.catalogEvents.itemId, ids.itemId) : ids.pluginId ? eq(schema.catalogEvents.pluginId, ids.pluginId) : eq(schema.catalogEvents.workspaceId, ids.workspaceId!);
  return db().select().from(schema.catalogEvents).where(and(gt(schema.catalogEvents.id, after), about)).orderBy(asc(schema.catalogEvents.id));
}

function auditRowsOf(targetId: string) {
  return db().select().from(schema.auditLog).where(and(eq(schema.auditLog.targetId, targetId), eq(schema.auditLog.action, "version.status")));
}

/** Sessions waiting for an advisory lock (the outbox's is the only one this suite takes in requests). */
async function advisoryWaiters(): Promise<number> {
  const rows = await rowsOf<{ n: string }>(db(), sql`select count(*)::text as n from pg_locks where locktype = 'advisory' and not granted`);
  return Number(rows[0]!.n);
}

async function takedownGeneration(): Promise<number> {
  const [row] = await db().select().from(schema.catalogState);
  return Number(row!.takedownGeneration);
}

/** A published item with 1.0.0 and 1.1.0 approved (1.1.0 listed). */
async function itemWithTwoVersions() {
  const { workspace } = await createWorkspace(db());
  const { item } = await createMarketplaceItem(db(), { publisherWorkspaceId: workspace.id });
  const second = await addItemVersion(db(), item.id, "1.1.0");
  await db().update(schema.items).set({ latestVersionId: second.id, version: "1.1.0" }).where(eq(schema.items.id, item.id));
  return { item, workspace, second };
}

describe("status changes: one audit row and one version event each, in the status's transaction", () => {
  it("yank, un-yank, deprecate, quarantine, release and revoke of an item version", async () => {
    const { item, second } = await itemWithTwoVersions();
    const steps: Array<[VersionStatus, string | null, string]> = [
      ["yanked", "Broken upload", "version.yanked"],
      ["active", null, "version.activated"],
      ["deprecated", "Use 2.x", "version.deprecated"],
      ["quarantined", "Reported as malware", "version.quarantined"],
      ["active", null, "version.released"],
      ["revoked", "Confirmed malware", "version.revoked"],
    ];
    for (const [status, message, type] of steps) {
      const before = await cursor();
      const auditBefore = (await auditRowsOf(second.id)).length;
      const generationBefore = await takedownGeneration();
      await changeItemVersionStatus(deps(), item.id, { version: "1.1.0", status, message, requester: "admin" });
      const events = await eventsAbout(before, { itemId: item.id });
      const statusEvents = events.filter((e) => e.type.startsWith("version."));
      expect(statusEvents.map((e) => e.type)).toEqual([type]);
      expect(statusEvents[0]).toMatchObject({ audience: "public", workspaceId: null });
      expect(statusEvents[0]!.data).toMatchObject({ subject_type: "item", item_id: item.id, version: "1.1.0", status });
      // The reason of a takedown is never in the public payload (design.md §31, §35).
      if (status === "quarantined" || status === "revoked") expect(statusEvents[0]!.data).not.toHaveProperty("message");
      if (status === "deprecated") expect(statusEvents[0]!.data).toMatchObject({ message });
      expect((await auditRowsOf(second.id)).length).toBe(auditBefore + 1);
      expect(await takedownGeneration()).toBeGreaterThan(generationBefore);
    }
    // The listed version moved with the takedowns (1.1.0 → 1.0.0 on yank, back on un-yank, …): said once per move.
    const moves = (await eventsAbout(0, { itemId: item.id })).filter((e) => e.type === "item.listed_version_changed").map((e) => e.data.version);
    expect(moves).toEqual(["1.0.0", "1.1.0", "1.0.0", "1.1.0", "1.0.0"]);
  });

  it("a failure injected after the status update leaves neither the status, the audit row, the event nor a generation bump", async () => {
    const { item, second } = await itemWithTwoVersions();
    const before = await cursor();
    const generationBefore = await takedownGeneration();
    const injected = new Error("injected after the status write");
    await expect(
      changeItemVersionStatus(
        deps(async () => {
          throw injected;
        }),
        item.id,
        { version: "1.1.0", status: "yanked", message: "Broken", requester: "admin" },
      ),
    ).rejects.toBe(injected);
    const [version] = await db().select().from(schema.itemVersions).where(eq(schema.itemVersions.id, second.id));
    expect(version).toMatchObject({ status: "active", statusMessage: null, statusChangedAt: null });
    expect(await auditRowsOf(second.id)).toEqual([]);
    expect(await eventsAbout(before, { itemId: item.id })).toEqual([]);
    expect(await takedownGeneration()).toBe(generationBefore);
    const [row] = await db().select().from(schema.items).where(eq(schema.items.id, item.id));
    expect(row).toMatchObject({ latestVersionId: second.id, version: "1.1.0" });
  });

  it("a plugin version's quarantine, release and revoke; the revoke adds one plugin.disabled row per workspace it was enabled in", async () => {
    const slug = uniqueSlug("obx");
    expect((await upload(bundle({ slug, manifest: manifestFor(slug, { version: "1.0.0" }) }), admin)).status).toBe(201);
    const pluginId = (await db().select().from(schema.marketplacePlugins).where(eq(schema.marketplacePlugins.slug, slug)))[0]!.id;
    expect((await post(`/api/admin/plugins/${pluginId}/approve`, { version: "1.0.0" }, admin)).status).toBe(200);
    const owners = await Promise.all([workspaceOwner(db()), workspaceOwner(db())]);
    for (const owner of owners) {
      expect((await api(`/api/workspaces/${owner.workspace.id}/plugins`, jsonRequest("POST", { plugin_id: pluginId }, owner.headers))).status).toBe(201);
    }
    const [version] = await db().select().from(schema.pluginVersions).where(eq(schema.pluginVersions.pluginId, pluginId));

    for (const [status, type] of [
      ["quarantined", "version.quarantined"],
      ["active", "version.released"],
    ] as const) {
      const before = await cursor();
      await changePluginVersionStatus(deps(), pluginId, { version: "1.0.0", status, message: status === "active" ? null : "Under review", requester: "admin" });
      const events = await eventsAbout(before, { pluginId });
      expect(events.filter((e) => e.type.startsWith("version.")).map((e) => e.type)).toEqual([type]);
      expect(events.filter((e) => e.type === "plugin.disabled")).toEqual([]);
    }

    const before = await cursor();
    const result = await changePluginVersionStatus(deps(), pluginId, { version: "1.0.0", status: "revoked", message: "Malware", requester: "admin" });
    expect(result).toMatchObject({ status: "revoked", workspaces_disabled: 2 });
    const events = await eventsAbout(before, { pluginId });
    expect(events.filter((e) => e.type.startsWith("version.")).map((e) => e.type)).toEqual(["version.revoked"]);
    const disabled = events.filter((e) => e.type === "plugin.disabled");
    expect(disabled.map((e) => e.workspaceId).sort()).toEqual(owners.map((o) => o.workspace.id).sort());
    expect(disabled.every((e) => e.audience === "workspace" && e.data.reason === "revoked")).toBe(true);
    const audit = await db()
      .select()
      .from(schema.auditLog)
      .where(and(eq(schema.auditLog.targetId, version!.id), eq(schema.auditLog.action, "version.status")));
    expect(audit.length).toBe(3);
  });
});

describe("the outbox", () => {
  it.runIf(inject("databaseServer"))("a second writer waits for the first's commit, so no reader passes an id that commits later (PostgreSQL: two connections)", async () => {
    const itemId = crypto.randomUUID();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstAppended!: () => void;
    const appended = new Promise<void>((resolve) => (firstAppended = resolve));
    const first = db().transaction(async (tx) => {
      await appendEvents(tx, [{ type: "item.featured", itemId, data: { item_id: itemId, order: 1 } }]);
      firstAppended();
      await gate;
    });
    await appended;
    let secondDone = false;
    const second = db()
      .transaction((tx) => appendEvents(tx, [{ type: "item.unfeatured", itemId, data: { item_id: itemId, order: 2 } }]))
      .then(() => (secondDone = true));
    // The second writer is queued on the outbox lock, not done, while the first is open.
    for (let i = 0; i < 100 && !(await advisoryWaiters()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await advisoryWaiters()).toBeGreaterThan(0);
    expect(secondDone).toBe(false);
    release();
    await Promise.all([first, second]);
    const rows = await db().select().from(schema.catalogEvents).where(eq(schema.catalogEvents.itemId, itemId)).orderBy(asc(schema.catalogEvents.id));
    expect(rows.map((r) => r.data.order)).toEqual([1, 2]);
  });

  it("the database refuses an unknown type, and a workspace event without its workspace", async () => {
    await expectSqlState(db().insert(schema.catalogEvents).values({ type: "version.deleted", audience: "public", data: {} }), CHECK_VIOLATION);
    await expectSqlState(db().insert(schema.catalogEvents).values({ type: "install.created", audience: "workspace", data: {} }), CHECK_VIOLATION);
  });
});

describe("the other writes append their events", () => {
  it("approval (with the listed version), rejection (to the publisher), feature, unfeature and removal", async () => {
    const { workspace } = await createWorkspace(db());
    const { item } = await createMarketplaceItem(db(), { publisherWorkspaceId: workspace.id });
    await addItemVersion(db(), item.id, "1.1.0", { reviewStatus: "pending" });
    await addItemVersion(db(), item.id, "1.2.0", { reviewStatus: "pending" });
    const before = await cursor();
    expect((await post(`/api/marketplace/items/${item.id}/approve`, { version: "1.1.0" }, admin)).status).toBe(200);
    expect((await post(`/api/marketplace/items/${item.id}/reject`, { version: "1.2.0", reason: "Needs docs" }, admin)).status).toBe(200);
    expect((await post(`/api/marketplace/items/${item.id}/feature`, { featured: true }, admin)).status).toBe(200);
    expect((await post(`/api/marketplace/items/${item.id}/feature`, { featured: false }, admin)).status).toBe(200);
    expect((await api(`/api/marketplace/items/${item.id}`, { method: "DELETE", headers: admin })).status).toBe(200);
    const events = await eventsAbout(before, { itemId: item.id });
    expect(events.map((e) => e.type)).toEqual(["item.approved", "item.listed_version_changed", "submission.rejected", "item.featured", "item.unfeatured", "item.removed"]);
    expect(events[1]!.data).toMatchObject({ version: "1.1.0", previous_version: "1.0.0" });
    expect(events[2]).toMatchObject({ audience: "workspace", workspaceId: workspace.id });
    expect(events[2]!.data).toMatchObject({ version: "1.2.0", reason: "Needs docs" });
  });

  it("install, update, uninstall, and deleting a clone through workspace CRUD (an uninstall)", async () => {
    const { workspace: publisherWorkspace } = await createWorkspace(db());
    const { item } = await createMarketplaceItem(db(), { type: "skill", publisherWorkspaceId: publisherWorkspace.id });
    const owner = await workspaceOwner(db());
    const before = await cursor();
    const installed = await api(`/api/marketplace/items/${item.id}/install`, jsonRequest("POST", {}, owner.headers));
    expect(installed.status).toBe(201);
    const newer = await addItemVersion(db(), item.id, "1.0.1", { content: { name: item.name, details: {} } });
    await db().update(schema.items).set({ latestVersionId: newer.id, version: "1.0.1" }).where(eq(schema.items.id, item.id));
    expect((await api(`/api/marketplace/items/${item.id}/update`, jsonRequest("POST", {}, owner.headers))).status).toBe(200);
    expect((await api(`/api/marketplace/items/${item.id}/install`, { method: "DELETE", headers: owner.headers })).status).toBe(204);
    const again = (await (await api(`/api/marketplace/items/${item.id}/install`, jsonRequest("POST", {}, owner.headers))).json()) as { clone_id: string };
    expect((await api(`/api/skills/${again.clone_id}`, { method: "DELETE", headers: owner.headers })).status).toBe(204);

    const events = await eventsAbout(before, { workspaceId: owner.workspace.id });
    expect(events.map((e) => e.type)).toEqual(["install.created", "update.applied", "install.removed", "install.created", "install.removed"]);
    expect(events.every((e) => e.audience === "workspace" && e.itemId === item.id)).toBe(true);
    expect(events[1]!.data).toMatchObject({ from_version: "1.0.0", version: "1.0.1", applied_by: "user" });
    expect(events[4]!.data).toMatchObject({ clone_id: again.clone_id });
  });

  it("plugin approval, enable, pin update, disable, deactivate (one plugin.disabled per workspace), reactivate and delete", async () => {
    const slug = uniqueSlug("obx");
    expect((await upload(bundle({ slug, manifest: manifestFor(slug, { version: "1.0.0" }) }), admin)).status).toBe(201);
    const pluginId = (await db().select().from(schema.marketplacePlugins).where(eq(schema.marketplacePlugins.slug, slug)))[0]!.id;
    const before = await cursor();
    expect((await post(`/api/admin/plugins/${pluginId}/approve`, { version: "1.0.0" }, admin)).status).toBe(200);
    const owner = await workspaceOwner(db());
    const other = await workspaceOwner(db());
    const enablePath = (w: string) => `/api/workspaces/${w}/plugins`;
    expect((await api(enablePath(owner.workspace.id), jsonRequest("POST", { plugin_id: pluginId }, owner.headers))).status).toBe(201);
    expect((await api(enablePath(other.workspace.id), jsonRequest("POST", { plugin_id: pluginId }, other.headers))).status).toBe(201);
    expect((await upload(bundle({ slug, manifest: manifestFor(slug, { version: "1.1.0" }) }), admin)).status).toBe(201);
    expect((await post(`/api/admin/plugins/${pluginId}/approve`, { version: "1.1.0" }, admin)).status).toBe(200);
    expect((await api(`${enablePath(owner.workspace.id)}/${pluginId}/update`, jsonRequest("POST", {}, owner.headers))).status).toBe(200);
    expect((await api(`${enablePath(owner.workspace.id)}/${pluginId}`, { method: "DELETE", headers: owner.headers })).status).toBe(200);
    expect((await post(`/api/admin/plugins/${pluginId}/deactivate`, {}, admin)).status).toBe(200);
    expect((await post(`/api/admin/plugins/${pluginId}/reactivate`, {}, admin)).status).toBe(200);
    expect((await api(`/api/admin/plugins/${pluginId}`, { method: "DELETE", headers: admin })).status).toBe(200);

    const events = await eventsAbout(before, { pluginId });
    expect(events.map((e) => [e.type, e.workspaceId])).toEqual([
      ["plugin.approved", null],
      ["plugin.listed_version_changed", null],
      ["plugin.enabled", owner.workspace.id],
      ["plugin.enabled", other.workspace.id],
      ["plugin.approved", null],
      ["plugin.listed_version_changed", null],
      ["plugin.pin_updated", owner.workspace.id],
      ["plugin.disabled", owner.workspace.id],
      ["plugin.deactivated", null],
      ["plugin.disabled", other.workspace.id],
      ["plugin.reactivated", null],
      ["plugin.deleted", null],
    ]);
    expect(events[7]!.data).toMatchObject({ reason: "user" });
    expect(events[9]!.data).toMatchObject({ reason: "deactivated" });
    expect(events[6]!.data).toMatchObject({ from_version: "1.0.0", version: "1.1.0" });
  });

  it("a workspace item that is not a clone deletes without an event", async () => {
    const owner = await workspaceOwner(db());
    const own = await createWorkspaceItem(db(), owner.workspace.id, { type: "skill" });
    const before = await cursor();
    expect((await api(`/api/skills/${own.id}`, { method: "DELETE", headers: owner.headers })).status).toBe(204);
    expect(await eventsAbout(before, { workspaceId: owner.workspace.id })).toEqual([]);
  });
});
