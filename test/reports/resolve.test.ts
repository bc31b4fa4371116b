// @module-tag pglite (a resolve locks its reports FOR UPDATE and appends events under an advisory lock)
import { and, eq, inArray, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { useDatabase } from "../helpers/db";
import { api, problem } from "../helpers/http";
import { adminHeaders, workspaceOwner } from "../publishing/helpers";
import { approvedPlugin, assembled, enableAndAssign, tenantWithAgent } from "../plugins/in-use-helpers";
import { releasedSkill } from "../versions/helpers";
import { appeal, entriesOf, keyReporter, ownReports, queue, report, resolve } from "./helpers";

/**
 * The whole path of issue 29's "done when": reports, the queue, a resolve through the status
 * service, the reporters' and the publisher's views, an appeal and its answer.
 */

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

const content = (pluginId: string, headers: Record<string, string>) => api(`/api/marketplace/plugins/${pluginId}/content`, { headers });

async function eventsOf(column: "itemId" | "pluginId", id: string, since: number) {
  return db()
    .select()
    .from(schema.catalogEvents)
    .where(and(eq(schema.catalogEvents[column], id), sql`${schema.catalogEvents.id} > ${since}`))
    .orderBy(schema.catalogEvents.id);
}

async function lastEventId() {
  const [row] = await db().select({ id: sql<number>`coalesce(max(${schema.catalogEvents.id}), 0)::bigint` }).from(schema.catalogEvents);
  return Number(row!.id);
}

describe("resolving reports on a plugin version", () => {
  it("two malware reports make one group of 2; a quarantine takes the content and context away, closes both reports with the note; a release brings it back", async () => {
    const plugin = await approvedPlugin(admin);
    const tenant = await tenantWithAgent(db());
    await enableAndAssign(tenant, [plugin.plugin_id]);
    expect((await content(plugin.plugin_id, tenant.headers)).status).toBe(200);

    const [first, second] = [await keyReporter(db()), await keyReporter(db())];
    for (const r of [first, second]) expect((await report("plugins", plugin.plugin_id, { reason: "malware", version: "1.0.0" }, r.headers)).status).toBe(201);
    const groups = entriesOf(await queue(admin), plugin.plugin_id);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({
      kind: "reports",
      report_count: 2,
      reporters: 2,
      workspaces: 2,
      reasons: { malware: 2 },
      priority_tier: 0,
      subject: { type: "plugin", plugin_id: plugin.plugin_id, version: "1.0.0", version_status: "active", scan_verdict: "safe", visible: true },
    });

    const since = await lastEventId();
    const note = "Exfiltrates credentials to a remote host.";
    const resolved = await resolve({ subject: { plugin_id: plugin.plugin_id, version: "1.0.0" }, action: "quarantine", note }, admin);
    expect(resolved.status, await resolved.clone().text()).toBe(200);
    expect(await resolved.json()).toMatchObject({ action: "quarantine", status: "quarantined", from_status: "active", reports_resolved: 2, appeals_answered: 0 });

    const refused = await content(plugin.plugin_id, tenant.headers);
    expect(refused.status).toBe(403);
    expect((await assembled(tenant.headers, tenant.agentId)).plugins.map((p) => p.plugin_id)).not.toContain(plugin.plugin_id);
    for (const r of [first, second]) {
      expect((await ownReports(r.headers)).map((m) => [m.status, m.outcome?.action, m.outcome?.note])).toEqual([["resolved", "quarantine", note]]);
    }
    expect(entriesOf(await queue(admin), plugin.plugin_id)).toEqual([]);
    expect(entriesOf(await queue(admin, "status=resolved"), plugin.plugin_id)).toMatchObject([{ report_count: 2, resolution: { action: "quarantine", note } }]);

    // One status event (the status service's), one report.resolved per reporting workspace, no moderation.action (plugins have no publisher workspace).
    const events = await eventsOf("pluginId", plugin.plugin_id, since);
    expect(events.filter((e) => e.type.startsWith("version.")).map((e) => e.type)).toEqual(["version.quarantined"]);
    expect(events.filter((e) => e.type === "report.resolved").map((e) => e.workspaceId).sort()).toEqual([first.workspace.id, second.workspace.id].sort());
    expect(events.some((e) => e.type === "moderation.action")).toBe(false);
    const audits = await db().select().from(schema.auditLog).where(and(eq(schema.auditLog.targetId, plugin.plugin_id), eq(schema.auditLog.action, "report.resolve")));
    expect(audits).toHaveLength(1);
    const statusAudit = await db().select().from(schema.auditLog).where(and(eq(schema.auditLog.action, "version.status"), sql`${schema.auditLog.details}->>'plugin_id' = ${plugin.plugin_id}`));
    expect((statusAudit[0]!.details as { report_ids: string[] }).report_ids).toHaveLength(2);

    // The platform is the plugin's publisher: an admin releases it through the same resolve, and the content is back.
    const released = await resolve({ subject: { plugin_id: plugin.plugin_id, version: "1.0.0" }, action: "release", note: "False positive: the host is the vendor's API." }, admin);
    expect(released.status, await released.clone().text()).toBe(200);
    expect(await released.json()).toMatchObject({ status: "active", from_status: "quarantined", reports_resolved: 0 });
    expect((await content(plugin.plugin_id, tenant.headers)).status).toBe(200);
  });

  it("remove deactivates the plugin and closes every open report on it, whatever version they name", async () => {
    const plugin = await approvedPlugin(admin);
    const r1 = await keyReporter(db());
    const r2 = await keyReporter(db());
    expect((await report("plugins", plugin.plugin_id, { reason: "spam" }, r1.headers)).status).toBe(201);
    expect((await report("plugins", plugin.plugin_id, { reason: "malware", version: "1.0.0" }, r2.headers)).status).toBe(201);
    const removed = await resolve({ subject: { plugin_id: plugin.plugin_id }, action: "remove", note: "Spam plugin." }, admin);
    expect(removed.status, await removed.clone().text()).toBe(200);
    expect(await removed.json()).toMatchObject({ reports_resolved: 2 });
    const [row] = await db().select().from(schema.marketplacePlugins).where(eq(schema.marketplacePlugins.id, plugin.plugin_id));
    expect(row!.isActive).toBe(false);
  });
});

describe("resolving reports on an item, the publisher's view and its appeal", () => {
  it("quarantine → the publisher sees the action and note (never the reporters) and appeals once → the appeal is queued → release answers it and the version is back", async () => {
    const released = await releasedSkill(db(), admin, ["1.0.0"]);
    const { itemId } = released;
    const [first, second] = [await keyReporter(db()), await keyReporter(db())];
    expect((await report("items", itemId, { reason: "prompt_injection", version: "1.0.0", details: "Tells the agent to ignore the user." }, first.headers)).status).toBe(201);
    // A version-less report is closed by a version action too (design.md §46).
    expect((await report("items", itemId, { reason: "malware" }, second.headers)).status).toBe(201);

    const since = await lastEventId();
    const note = "Hidden instructions override the user's request.";
    const quarantined = await resolve({ subject: { item_id: itemId, version: "1.0.0" }, action: "quarantine", note }, admin);
    expect(quarantined.status, await quarantined.clone().text()).toBe(200);
    expect(await quarantined.json()).toMatchObject({ reports_resolved: 2, status: "quarantined" });
    const reader = (await keyReporter(db())).headers;
    expect((await api(`/api/marketplace/items/${itemId}`, { headers: reader })).status).toBe(404);
    for (const r of [first, second]) expect((await ownReports(r.headers))[0]).toMatchObject({ status: "resolved", outcome: { action: "quarantine", note } });

    const events = await eventsOf("itemId", itemId, since);
    expect(events.filter((e) => e.type === "moderation.action").map((e) => e.workspaceId)).toEqual([released.publisher.workspace.id]);
    expect(events.filter((e) => e.type === "report.resolved")).toHaveLength(2);

    // The publisher's two views: the action and its note, and nothing that names a reporter.
    const submissions = await api("/api/marketplace/submissions", { headers: released.publisher.headers });
    const submissionsText = await submissions.text();
    const row = (JSON.parse(submissionsText) as { items: Array<{ item_id: string; version: string; moderation_actions: Array<{ action: string; note: string; appeal: unknown }> }> }).items.find((i) => i.item_id === itemId)!;
    expect(row.moderation_actions).toMatchObject([{ action: "quarantine", note, appeal: null }]);
    const moderationView = await api(`/api/marketplace/items/${itemId}?include=moderation`, { headers: released.publisher.headers });
    const moderationText = await moderationView.text();
    expect(moderationView.status).toBe(200);
    expect(JSON.parse(moderationText)).toMatchObject({ moderation_actions: [{ version: "1.0.0", action: "quarantine", note, from_status: "active", to_status: "quarantined" }] });
    for (const text of [submissionsText, moderationText]) {
      for (const r of [first, second]) expect(text).not.toContain(r.workspace.id);
      expect(text).not.toContain("Tells the agent");
      expect(text).not.toContain("prompt_injection");
    }

    const appealed = await appeal(itemId, { version: "1.0.0", message: "The text quotes an attack\nas an example of what to refuse." }, released.publisher.headers);
    expect(appealed.status, await appealed.clone().text()).toBe(201);
    const filed = (await appealed.json()) as { id: string };
    expect((await problem(await appeal(itemId, { version: "1.0.0", message: "Again." }, released.publisher.headers))).code).toBe("appeal_exists");
    const [queued] = entriesOf(await queue(admin), itemId);
    expect(queued).toMatchObject({ kind: "appeal", priority_tier: 1, appeal: { id: filed.id, action: "quarantine", status: "open" }, subject: { version: "1.0.0", version_status: "quarantined" } });

    const answered = await resolve({ subject: { item_id: itemId, version: "1.0.0" }, action: "release", note: "Appeal upheld: the text is an example." }, admin);
    expect(answered.status, await answered.clone().text()).toBe(200);
    expect(await answered.json()).toMatchObject({ status: "active", appeals_answered: 1 });
    expect(await (await api(`/api/marketplace/items/${itemId}`, { headers: reader })).json()).toMatchObject({ version: "1.0.0", installable: true });
    expect(entriesOf(await queue(admin), itemId)).toEqual([]);
    const after = (await (await api(`/api/marketplace/items/${itemId}?include=moderation`, { headers: released.publisher.headers })).json()) as { moderation_actions: Array<{ action: string; appeal: { status: string; answer: { action: string } | null } | null }> };
    expect(after.moderation_actions.map((a) => [a.action, a.appeal?.status ?? null, a.appeal?.answer?.action ?? null])).toEqual([
      ["release", null, null],
      ["quarantine", "answered", "release"],
    ]);
  });

  it("remove returns the item to its publisher and closes the reports; an item without a publisher answers 409 no_publisher", async () => {
    const released = await releasedSkill(db(), admin, ["1.0.0"]);
    const r = await keyReporter(db());
    expect((await report("items", released.itemId, { reason: "license", version: "1.0.0" }, r.headers)).status).toBe(201);
    const removed = await resolve({ subject: { item_id: released.itemId }, action: "remove", note: "Copied from a GPL project without its license." }, admin);
    expect(removed.status, await removed.clone().text()).toBe(200);
    const [row] = await db().select().from(schema.items).where(eq(schema.items.id, released.itemId));
    expect(row).toMatchObject({ ownerType: "workspace", workspaceId: released.publisher.workspace.id });
    expect((await ownReports(r.headers))[0]).toMatchObject({ status: "resolved", outcome: { action: "remove" } });
    // A remove is not appealable (the item is back with its publisher, who may submit it again).
    expect((await problem(await appeal(released.itemId, { version: "1.0.0", message: "Please." }, released.publisher.headers))).code).toBe("nothing_to_appeal");

    const curated = await db().insert(schema.items).values({ type: "llm", name: `Curated ${crypto.randomUUID()}`, nameSkeleton: crypto.randomUUID(), ownerType: "marketplace", isApproved: true, actorType: "system" }).returning();
    const noPublisher = await resolve({ subject: { item_id: curated[0]!.id }, action: "remove", note: "Gone." }, admin);
    expect(noPublisher.status).toBe(409);
    expect((await problem(noPublisher)).code).toBe("no_publisher");
  });
});

describe("resolving reports (errors)", () => {
  it("answers 409 invalid_transition for an action the status forbids and resolves nothing", async () => {
    const released = await releasedSkill(db(), admin, ["1.0.0"]);
    const r = await keyReporter(db());
    expect((await report("items", released.itemId, { reason: "broken", version: "1.0.0" }, r.headers)).status).toBe(201);
    const refused = await resolve({ subject: { item_id: released.itemId, version: "1.0.0" }, action: "release", note: "Nothing to lift." }, admin);
    expect(refused.status).toBe(409);
    expect((await problem(refused)).code).toBe("invalid_transition");
    expect((await ownReports(r.headers))[0]!.status).toBe("open");
    const actions = await db().select().from(schema.moderationActions).where(eq(schema.moderationActions.itemId, released.itemId));
    expect(actions).toEqual([]);
  });

  it("answers 400 version_required, 400 validation_failed for a blank note or two subjects, 404 for unknown subjects and versions, 409 nothing_to_resolve for an empty dismiss", async () => {
    const released = await releasedSkill(db(), admin, ["1.0.0"]);
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ subject: { item_id: released.itemId }, action: "quarantine", note: "x" }, 400, "version_required"],
      [{ subject: { item_id: released.itemId, version: "1.0.0" }, action: "quarantine", note: "  " }, 400, "validation_failed"],
      [{ subject: { item_id: released.itemId, version: "1.0.0" }, action: "quarantine", note: "a\u202eb" }, 400, "validation_failed"],
      [{ subject: { item_id: released.itemId, plugin_id: released.itemId }, action: "dismiss", note: "x" }, 400, "validation_failed"],
      [{ subject: {}, action: "dismiss", note: "x" }, 400, "validation_failed"],
      [{ subject: { item_id: released.itemId }, action: "ban", note: "x" }, 400, "validation_failed"],
      [{ subject: { item_id: crypto.randomUUID() }, action: "dismiss", note: "x" }, 404, "item_not_found"],
      [{ subject: { plugin_id: crypto.randomUUID(), version: "1.0.0" }, action: "yank", note: "x" }, 404, "plugin_not_found"],
      [{ subject: { item_id: released.itemId, version: "7.0.0" }, action: "yank", note: "x" }, 404, "version_not_found"],
      [{ subject: { item_id: released.itemId }, action: "dismiss", note: "Nothing here." }, 409, "nothing_to_resolve"],
    ];
    for (const [body, status, code] of cases) {
      const response = await resolve(body, admin);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect((await problem(response)).code, JSON.stringify(body)).toBe(code);
    }
  });

  it("refuses appeals that are not the publisher's (404), without an action (409 nothing_to_appeal), and from a viewer (403)", async () => {
    const released = await releasedSkill(db(), admin, ["1.0.0"]);
    expect((await problem(await appeal(released.itemId, { version: "1.0.0", message: "Why?" }, released.publisher.headers))).code).toBe("nothing_to_appeal");
    expect((await resolve({ subject: { item_id: released.itemId, version: "1.0.0" }, action: "yank", note: "Broken install script." }, admin)).status).toBe(200);
    const outsider = await workspaceOwner(db());
    const notMine = await appeal(released.itemId, { version: "1.0.0", message: "Why?" }, outsider.headers);
    expect(notMine.status).toBe(404);
    expect((await problem(notMine)).code).toBe("item_not_found");
    const viewer = await released.member("viewer");
    expect((await appeal(released.itemId, { version: "1.0.0", message: "Why?" }, viewer)).status).toBe(403);
    const mine = await appeal(released.itemId, { version: "1.0.0", message: "The script works on Linux." }, await released.key(["items:submit"]));
    expect(mine.status, await mine.clone().text()).toBe(201);
  });
});

describe("the queue", () => {
  it("puts malware and credential theft first, then appeals, then the rest by distinct reporters, and filters by reason, type and status", async () => {
    const spam = await releasedSkill(db(), admin, ["1.0.0"]);
    const malware = await releasedSkill(db(), admin, ["1.0.0"]);
    const reporters = await Promise.all([keyReporter(db()), keyReporter(db()), keyReporter(db())]);
    for (const r of reporters) expect((await report("items", spam.itemId, { reason: "spam" }, r.headers)).status).toBe(201);
    expect((await report("items", malware.itemId, { reason: "malware" }, reporters[0]!.headers)).status).toBe(201);
    const entries = await queue(admin);
    const position = (id: string) => entries.findIndex((e) => e.subject.item_id === id);
    expect(position(malware.itemId)).toBeGreaterThanOrEqual(0);
    expect(position(malware.itemId)).toBeLessThan(position(spam.itemId));
    expect(entries[position(spam.itemId)]).toMatchObject({ priority_tier: 2, reporters: 3, reasons: { spam: 3 } });
    const tiers = entries.map((e) => e.priority_tier);
    expect(tiers).toEqual([...tiers].sort((a, b) => a - b));
    expect(entriesOf(await queue(admin, "reason=malware"), spam.itemId)).toEqual([]);
    expect(entriesOf(await queue(admin, "reason=malware"), malware.itemId)).toHaveLength(1);
    expect(entriesOf(await queue(admin, "type=plugin"), malware.itemId)).toEqual([]);
    expect(entriesOf(await queue(admin, "type=skill"), malware.itemId)).toHaveLength(1);
    const resolved = await db().select().from(schema.reports).where(inArray(schema.reports.itemId, [spam.itemId, malware.itemId]));
    expect(resolved.every((r) => r.status === "open")).toBe(true);
  });
});
