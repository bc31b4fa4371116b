// @module-tag pglite (reports are serialised per workspace with an advisory lock and guarded by partial unique expression indexes)
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { OPEN_REPORTS_PER_WORKSPACE, REPORT_LIMIT_RETRY_AFTER_S } from "../../src/domain/reports";
import { addMember, addItemVersion, createMarketplaceItem, uniqueToken } from "../helpers/factories";
import { bearer, signToken } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { api, problem } from "../helpers/http";
import { adminHeaders } from "../publishing/helpers";
import { approvedPlugin } from "../plugins/in-use-helpers";
import { keyReporter, ownReports, report, reporter, resolve } from "./helpers";

/** Filing reports (issue 29 item 1; design.md §45): who may, on what, how often. */

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

const skill = async () => (await createMarketplaceItem(db(), { type: "skill", name: `Reported ${uniqueToken()}` })).item;

describe("filing a report", () => {
  it("answers 201 open for a user in a workspace and for a catalog:read key, on an item, a version and a plugin", async () => {
    const r = await reporter(db());
    const item = await skill();
    const byUser = await report("items", item.id, { reason: "malware", details: "Its SKILL.md runs\ncurl | sh" }, r.headers);
    expect(byUser.status, await byUser.clone().text()).toBe(201);
    const filed = (await byUser.json()) as Record<string, unknown>;
    expect(filed).toMatchObject({ status: "open", subject_type: "item", item_id: item.id, plugin_id: null, version: null, reason: "malware" });
    const other = await keyReporter(db());
    const byKey = await report("items", item.id, { reason: "spam", version: "1.0.0" }, other.headers);
    expect(byKey.status, await byKey.clone().text()).toBe(201);
    const plugin = await approvedPlugin(admin);
    const onPlugin = await report("plugins", plugin.plugin_id, { reason: "credential_theft", version: "1.0.0" }, r.key);
    expect(onPlugin.status, await onPlugin.clone().text()).toBe(201);
    expect(await onPlugin.json()).toMatchObject({ subject_type: "plugin", plugin_id: plugin.plugin_id, item_id: null, version: "1.0.0" });

    const mine = await ownReports(r.headers);
    expect(mine.map((m) => [m.reason, m.status, m.outcome])).toEqual([
      ["credential_theft", "open", null],
      ["malware", "open", null],
    ]);
    // Each workspace sees only its own.
    expect((await ownReports(other.headers)).map((m) => m.reason)).toEqual(["spam"]);
  });

  it("writes the report, an audit row and an admin-only report.filed event in one transaction", async () => {
    const r = await reporter(db());
    const item = await skill();
    const filed = (await (await report("items", item.id, { reason: "impersonation" }, r.headers)).json()) as { id: string };
    const [audit] = await db().select().from(schema.auditLog).where(eq(schema.auditLog.targetId, filed.id));
    expect(audit).toMatchObject({ action: "report.file", targetType: "report", workspaceId: r.workspace.id, actorType: "user", actorId: r.user.id, reason: "impersonation" });
    const events = await db().select().from(schema.catalogEvents).where(sql`${schema.catalogEvents.data}->>'report_id' = ${filed.id}`);
    expect(events.map((e) => [e.type, e.audience, e.workspaceId])).toEqual([["report.filed", "admin", null]]);
  });

  it("changes nothing by itself: ten reports from ten workspaces leave the item active, listed and installable", async () => {
    const item = await skill();
    for (let i = 0; i < 10; i++) {
      const r = await keyReporter(db());
      expect((await report("items", item.id, { reason: "malware", version: "1.0.0" }, r.headers)).status).toBe(201);
    }
    const reader = (await keyReporter(db())).headers;
    const detail = await api(`/api/marketplace/items/${item.id}`, { headers: reader });
    expect(detail.status).toBe(200);
    expect(await detail.json()).toMatchObject({ version: "1.0.0", installable: true, versions: [{ version: "1.0.0", status: "active" }] });
    const [row] = await db().select().from(schema.items).where(eq(schema.items.id, item.id));
    expect(row).toMatchObject({ isApproved: true, removedAt: null });
  });
});

describe("filing a report (errors)", () => {
  it("answers 409 report_exists, naming the open report, for a second report by the same workspace or the same person", async () => {
    const r = await reporter(db());
    const item = await skill();
    const first = (await (await report("items", item.id, { reason: "spam" }, r.headers)).json()) as { id: string };
    // Another member of the same workspace: one open report per workspace.
    const member = await addMember(db(), r.workspace.id, "viewer");
    const memberHeaders = { ...bearer(await signToken({ sub: member.clerkUserId })), "X-Workspace-ID": r.workspace.id };
    const again = await report("items", item.id, { reason: "malware" }, memberHeaders);
    expect(again.status).toBe(409);
    expect(await problem(again)).toMatchObject({ code: "report_exists", report_id: first.id });
    // The same person through a key they created: one open report per reporter too.
    expect((await problem(await report("items", item.id, { reason: "broken" }, r.key))).code).toBe("report_exists");
    // Another version is another subject.
    expect((await report("items", item.id, { reason: "broken", version: "1.0.0" }, r.headers)).status).toBe(201);
  });

  it("answers 400 validation_failed for an unknown reason, `other` without details, details too long or with control characters; nothing is written", async () => {
    const r = await reporter(db());
    const item = await skill();
    for (const body of [
      { reason: "evil" },
      { reason: "other" },
      { reason: "other", details: "   " },
      { reason: "spam", details: "x".repeat(2001) },
      { reason: "spam", details: "looks fine\u001b[2J" },
      { reason: "spam", details: "hidden\u200btext" },
    ]) {
      const response = await report("items", item.id, body, r.headers);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect((await problem(response)).code).toBe("validation_failed");
    }
    expect(await ownReports(r.headers)).toEqual([]);
  });

  it("answers 404 for an item or plugin the caller cannot see, and for a version it cannot see", async () => {
    const r = await reporter(db());
    const hidden = (await createMarketplaceItem(db(), { type: "skill", isApproved: false })).item;
    expect((await problem(await report("items", hidden.id, { reason: "spam" }, r.headers))).code).toBe("item_not_found");
    expect((await problem(await report("items", crypto.randomUUID(), { reason: "spam" }, r.headers))).code).toBe("item_not_found");
    expect((await problem(await report("plugins", crypto.randomUUID(), { reason: "spam" }, r.headers))).code).toBe("plugin_not_found");
    const item = await skill();
    await addItemVersion(db(), item.id, "1.1.0", { reviewStatus: "pending" });
    await addItemVersion(db(), item.id, "1.2.0", { status: "quarantined" });
    for (const version of ["1.1.0", "1.2.0", "9.9.9"]) {
      const refused = await report("items", item.id, { reason: "spam", version }, r.headers);
      expect(refused.status, version).toBe(404);
      expect((await problem(refused)).code).toBe("version_not_found");
    }
    // A workspace's own unpublished item is not a marketplace item at all.
    const [own] = await db().insert(schema.items).values({ type: "skill", name: `Own ${uniqueToken()}`, nameSkeleton: uniqueToken(), ownerType: "workspace", workspaceId: r.workspace.id, ownerId: r.workspace.id, actorType: "system" }).returning();
    expect((await report("items", own!.id, { reason: "spam" }, (await keyReporter(db())).headers)).status).toBe(404);
  });

  it(`answers 429 report_limit with Retry-After for the ${OPEN_REPORTS_PER_WORKSPACE + 1}st open report of one workspace`, async () => {
    const r = await keyReporter(db());
    const items = await Promise.all(Array.from({ length: OPEN_REPORTS_PER_WORKSPACE + 1 }, () => skill()));
    for (const item of items.slice(0, OPEN_REPORTS_PER_WORKSPACE)) {
      expect((await report("items", item.id, { reason: "spam" }, r.headers)).status).toBe(201);
    }
    const refused = await report("items", items[OPEN_REPORTS_PER_WORKSPACE]!.id, { reason: "spam" }, r.headers);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe(String(REPORT_LIMIT_RETRY_AFTER_S));
    expect((await problem(refused)).code).toBe("report_limit");
    // A resolve frees a slot.
    expect((await resolve({ subject: { item_id: items[0]!.id }, action: "dismiss", note: "Not spam." }, admin)).status).toBe(200);
    expect((await report("items", items[OPEN_REPORTS_PER_WORKSPACE]!.id, { reason: "spam" }, r.headers)).status).toBe(201);
  });

  it("after a dismiss refuses the dismissed workspace (409 report_recently_dismissed) for 30 days or until the item changes, never anyone else", async () => {
    const dismissed = await keyReporter(db());
    const item = await skill();
    expect((await report("items", item.id, { reason: "spam" }, dismissed.headers)).status).toBe(201);
    expect((await resolve({ subject: { item_id: item.id }, action: "dismiss", note: "Legitimate marketing copy." }, admin)).status).toBe(200);
    const again = await report("items", item.id, { reason: "spam" }, dismissed.headers);
    expect(again.status).toBe(409);
    expect((await problem(again)).code).toBe("report_recently_dismissed");
    // Another workspace may report the same subject at once.
    expect((await report("items", item.id, { reason: "spam" }, (await keyReporter(db())).headers)).status).toBe(201);
    // 31 days later the dismissed workspace may too.
    await db().update(schema.reports).set({ resolvedAt: sql`now() - interval '31 days'`, createdAt: sql`now() - interval '32 days'` }).where(eq(schema.reports.workspaceId, dismissed.workspace.id));
    expect((await report("items", item.id, { reason: "spam" }, dismissed.headers)).status).toBe(201);
  });

  it("lets the dismissed workspace report again once the item's listed version changed", async () => {
    const dismissed = await keyReporter(db());
    const item = await skill();
    expect((await report("items", item.id, { reason: "broken" }, dismissed.headers)).status).toBe(201);
    expect((await resolve({ subject: { item_id: item.id }, action: "dismiss", note: "Works for us." }, admin)).status).toBe(200);
    expect((await report("items", item.id, { reason: "broken" }, dismissed.headers)).status).toBe(409);
    const next = await addItemVersion(db(), item.id, "1.1.0");
    await db().update(schema.items).set({ latestVersionId: next.id, version: "1.1.0" }).where(eq(schema.items.id, item.id));
    expect((await report("items", item.id, { reason: "broken" }, dismissed.headers)).status).toBe(201);
  });
});
