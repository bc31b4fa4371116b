import { and, eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { API_KEY_SCOPES } from "../../src/lib/access";
import { createKey, signedInUser } from "../helpers/auth";
import { createMarketplaceItem, uniqueToken } from "../helpers/factories";
import { useDatabase } from "../helpers/db";
import { api, problem } from "../helpers/http";
import { workspaceOwner } from "../publishing/helpers";
import { releasedSkill } from "../versions/helpers";
import { bearer } from "../helpers/auth";
import { keyReporter, ownReports, report, reporter, resolve } from "./helpers";

/** Issue 29's security cases: only admins triage; nobody learns who reported, or who decided. */

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;
let adminId: string;

beforeAll(async () => {
  const signed = await signedInUser(db(), { systemRole: "admin" });
  admin = bearer(signed.token);
  adminId = signed.user.id;
});

describe("reports (security)", () => {
  it("refuses the queue and resolve to a workspace owner and to a key with every scope (403), and the resolve changes nothing", async () => {
    const item = (await createMarketplaceItem(db(), { type: "skill", name: `Guarded ${uniqueToken()}` })).item;
    const r = await keyReporter(db());
    expect((await report("items", item.id, { reason: "malware", version: "1.0.0" }, r.headers)).status).toBe(201);
    const owner = await workspaceOwner(db());
    const fullKey = { "X-API-Key": (await createKey(db(), owner.workspace.id, { scopes: [...API_KEY_SCOPES] })).secret };
    for (const headers of [owner.headers, fullKey]) {
      const listed = await api("/api/admin/reports", { headers });
      expect(listed.status).toBe(403);
      const resolved = await resolve({ subject: { item_id: item.id, version: "1.0.0" }, action: "quarantine", note: "Not an admin." }, headers);
      expect(resolved.status).toBe(403);
      expect(resolved.headers.get("content-type")).toContain("application/problem+json");
      expect((await problem(resolved)).code).toMatch(/admin_required|insufficient_scope/);
    }
    const [version] = await db().select().from(schema.itemVersions).where(eq(schema.itemVersions.itemId, item.id));
    expect(version!.status).toBe("active");
    expect((await ownReports(r.headers))[0]!.status).toBe("open");
  });

  it("shows a workspace only its own reports; another workspace's id in X-Workspace-ID is 404", async () => {
    const a = await reporter(db());
    const b = await reporter(db());
    const item = (await createMarketplaceItem(db(), { type: "skill", name: `Shared ${uniqueToken()}` })).item;
    expect((await report("items", item.id, { reason: "spam", details: `secret-of-a ${uniqueToken()}` }, a.headers)).status).toBe(201);
    expect((await report("items", item.id, { reason: "spam" }, b.headers)).status).toBe(201);
    const listed = await api("/api/marketplace/reports", { headers: b.headers });
    const text = await listed.text();
    expect(text).not.toContain(a.workspace.id);
    expect(text).not.toContain(a.user.id);
    expect(text).not.toContain("secret-of-a");
    expect(listed.headers.get("cache-control")).toBe("private, no-store");
    const foreign = await api("/api/marketplace/reports", { headers: { ...b.headers, "X-Workspace-ID": a.workspace.id } });
    expect(foreign.status).toBe(404);
  });

  it("never names a reporter or the deciding admin to the publisher, to other reporters, or in the events they receive", async () => {
    const released = await releasedSkill(db(), admin, ["1.0.0"]);
    const a = await reporter(db());
    const b = await reporter(db());
    for (const r of [a, b]) expect((await report("items", released.itemId, { reason: "malware", version: "1.0.0", details: `seen by ${r.workspace.id}` }, r.headers)).status).toBe(201);
    expect((await resolve({ subject: { item_id: released.itemId, version: "1.0.0" }, action: "yank", note: "Broken on install." }, admin)).status).toBe(200);

    const publisherViews = [
      await (await api("/api/marketplace/submissions", { headers: released.publisher.headers })).text(),
      await (await api(`/api/marketplace/items/${released.itemId}?include=moderation`, { headers: released.publisher.headers })).text(),
    ];
    const reporterViews = [await (await api("/api/marketplace/reports", { headers: a.headers })).text(), await (await api("/api/marketplace/reports", { headers: b.headers })).text()];
    for (const text of publisherViews) for (const r of [a, b]) for (const id of [r.workspace.id, r.user.id]) expect(text).not.toContain(id);
    expect(reporterViews[0]).not.toContain(b.workspace.id);
    expect(reporterViews[1]).not.toContain(a.workspace.id);
    for (const text of [...publisherViews, ...reporterViews]) expect(text).not.toContain(adminId);

    // What the workspaces' feeds will carry (design.md §31): each workspace's rows name only itself.
    const events = await db()
      .select()
      .from(schema.catalogEvents)
      .where(and(eq(schema.catalogEvents.itemId, released.itemId), inArray(schema.catalogEvents.type, ["report.resolved", "moderation.action", "version.yanked"])));
    for (const event of events) {
      const data = JSON.stringify(event.data);
      expect(data).not.toContain(adminId);
      for (const r of [a, b]) {
        expect(data).not.toContain(r.user.id);
        if (event.workspaceId !== r.workspace.id) expect(data).not.toContain(r.workspace.id);
      }
    }
    const resolvedFor = events.filter((e) => e.type === "report.resolved");
    expect(resolvedFor).toHaveLength(2);
    for (const event of resolvedFor) expect((event.data as { report_ids: string[] }).report_ids).toHaveLength(1);
  });
});
