import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { bearer, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createWorkspace, uniqueToken } from "../helpers/factories";
import { api, problem } from "../helpers/http";
import { adminHeaders, catalogReaderHeaders, post, publisher } from "./helpers";

const clients = useDatabase();
const db = () => clients.pool;
const TAG = uniqueToken("mod");
let admin: Record<string, string>;
let reader: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
  reader = await catalogReaderHeaders(db());
});

/** A submitted skill tagged with this file's token, so catalog reads can be scoped to it. */
async function submitted(extra: Record<string, unknown> = {}) {
  const p = await publisher(db());
  const skill = await p.create("skills", { name: `Skill ${uniqueToken()}`, tags: [TAG], details: { prompt_template: "v1" } });
  const response = await p.submit({ item_id: skill.id, ...extra });
  const body = (await response.json()) as { item_id: string; submission_id: string };
  return { ...p, skill, itemId: body.item_id, submissionId: body.submission_id };
}

/** What a non-admin sees through the (warm, cached) catalog. */
async function catalogNames(query = "") {
  const response = await api(`/api/marketplace/items?tags=${TAG}${query}`, { headers: reader });
  return ((await response.json()) as { items: Array<{ id: string; version: string; is_featured: boolean }> }).items;
}

async function auditOf(itemId: string) {
  const response = await api(`/api/admin/audit?target_id=${itemId}`, { headers: admin });
  return ((await response.json()) as { items: Array<{ action: string; reason: string | null; actor_type: string }> }).items;
}

describe("the review queue", () => {
  it("lists pending submissions for admins at a path no {id} route shadows", async () => {
    const s = await submitted();
    const queue = await api("/api/marketplace/admin/pending?limit=100", { headers: admin });
    expect(queue.status).toBe(200);
    const body = (await queue.json()) as { items: Array<{ item_id: string; new_item: boolean }>; total: number };
    expect(body.items.some((i) => i.item_id === s.itemId && i.new_item)).toBe(true);
  });

  it("is refused to non-admins (403) and to API keys", async () => {
    const { token } = await signedInUser(db());
    expect((await api("/api/marketplace/admin/pending", { headers: bearer(token) })).status).toBe(403);
    expect((await api("/api/marketplace/admin/pending", { headers: reader })).status).toBe(403);
  });
});

describe("approve and reject", () => {
  it("approves: the item appears in a warm catalog cache, with an audit row", async () => {
    const s = await submitted();
    expect(await catalogNames()).not.toContainEqual(expect.objectContaining({ id: s.itemId }));
    const response = await post(`/api/marketplace/items/${s.itemId}/approve`, {}, admin);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "approved", version: "1.0.0", latest: true });
    expect(await catalogNames()).toContainEqual(expect.objectContaining({ id: s.itemId }));
    expect(await auditOf(s.itemId)).toEqual([expect.objectContaining({ action: "approve", actor_type: "user" })]);
  });

  it("refuses to approve what is already approved (409 invalid_transition)", async () => {
    const s = await submitted();
    await post(`/api/marketplace/items/${s.itemId}/approve`, {}, admin);
    const again = await post(`/api/marketplace/items/${s.itemId}/approve`, {}, admin);
    expect(again.status).toBe(409);
    expect((await problem(again)).code).toBe("invalid_transition");
  });

  it("requires a reason to reject, records it, and keeps the item out of the catalog", async () => {
    const s = await submitted();
    const noReason = await post(`/api/marketplace/items/${s.itemId}/reject`, {}, admin);
    expect(noReason.status).toBe(400);
    const blank = await post(`/api/marketplace/items/${s.itemId}/reject`, { reason: "  " }, admin);
    expect(blank.status).toBe(400);
    const rejected = await post(`/api/marketplace/items/${s.itemId}/reject`, { reason: "Unclear purpose" }, admin);
    expect(rejected.status).toBe(200);
    expect(await auditOf(s.itemId)).toEqual([expect.objectContaining({ action: "reject", reason: "Unclear purpose" })]);
    expect(await catalogNames()).not.toContainEqual(expect.objectContaining({ id: s.itemId }));
    expect((await post(`/api/marketplace/items/${s.itemId}/reject`, { reason: "again" }, admin)).status).toBe(409);
  });

  it("is refused to non-admins with 403 and changes nothing", async () => {
    const s = await submitted();
    for (const path of ["approve", "reject", "feature", "toggle-featured"]) {
      const response = await post(`/api/marketplace/items/${s.itemId}/${path}`, { reason: "x" }, s.headers);
      expect(response.status, path).toBe(403);
    }
    expect((await api(`/api/marketplace/items/${s.itemId}`, { method: "DELETE", headers: s.headers })).status).toBe(403);
    const [row] = await db().select().from(schema.items).where(eq(schema.items.id, s.itemId));
    expect(row).toMatchObject({ isApproved: false, ownerType: "marketplace" });
  });

  it("makes an approved newer version the latest, which the warm catalog then shows", async () => {
    const s = await submitted();
    await post(`/api/marketplace/items/${s.itemId}/approve`, {}, admin);
    expect((await catalogNames()).find((i) => i.id === s.itemId)?.version).toBe("1.0.0");
    await api(`/api/skills/${s.skill.id}`, { method: "PATCH", headers: { ...s.headers, "content-type": "application/json" }, body: JSON.stringify({ details: { prompt_template: "v2" } }) });
    const resubmitted = await s.submit({ item_id: s.skill.id, version: "2.0.0", changelog: "Rewritten" });
    expect(resubmitted.status).toBe(201);
    // Pending: the catalog still shows 1.0.0.
    expect((await catalogNames()).find((i) => i.id === s.itemId)?.version).toBe("1.0.0");
    await post(`/api/marketplace/items/${s.itemId}/approve`, {}, admin);
    expect((await catalogNames()).find((i) => i.id === s.itemId)?.version).toBe("2.0.0");
    const detail = (await (await api(`/api/marketplace/items/${s.itemId}`, { headers: reader })).json()) as {
      metadata: Record<string, unknown>;
      versions: Array<{ version: string; changelog: string | null }>;
    };
    expect(detail.metadata.prompt_template).toBe("v2");
    expect(detail.versions.map((v) => v.version)).toEqual(["2.0.0", "1.0.0"]);
  });
});

describe("feature and remove", () => {
  it("sets, toggles (also at the alias) and refuses unapproved items; the warm catalog follows", async () => {
    const s = await submitted();
    expect((await post(`/api/marketplace/items/${s.itemId}/feature`, {}, admin)).status).toBe(409);
    await post(`/api/marketplace/items/${s.itemId}/approve`, {}, admin);
    expect((await catalogNames("&featured=true")).map((i) => i.id)).not.toContain(s.itemId);

    expect(await (await post(`/api/marketplace/items/${s.itemId}/feature`, { featured: true }, admin)).json()).toEqual({ item_id: s.itemId, is_featured: true });
    expect((await catalogNames("&featured=true")).map((i) => i.id)).toContain(s.itemId);
    expect(await (await post(`/api/marketplace/items/${s.itemId}/toggle-featured`, undefined, admin)).json()).toEqual({ item_id: s.itemId, is_featured: false });
    expect((await catalogNames("&featured=true")).map((i) => i.id)).not.toContain(s.itemId);
    expect((await auditOf(s.itemId)).map((a) => a.action)).toEqual(["unfeature", "feature", "approve"]);
  });

  it("removes softly: off the catalog, back to the publisher, installs and the name kept", async () => {
    const s = await submitted();
    await post(`/api/marketplace/items/${s.itemId}/approve`, {}, admin);
    const [version] = await db().select().from(schema.itemVersions).where(eq(schema.itemVersions.itemId, s.itemId));
    const { workspace: installer } = await createWorkspace(db());
    await db().insert(schema.marketplaceInstalls).values({ workspaceId: installer.id, itemId: s.itemId, versionId: version!.id, actorType: "system" });
    expect((await catalogNames()).map((i) => i.id)).toContain(s.itemId);

    const removed = await api(`/api/marketplace/items/${s.itemId}?reason=${encodeURIComponent("Policy")}`, { method: "DELETE", headers: admin });
    expect(removed.status).toBe(200);
    expect((await catalogNames()).map((i) => i.id)).not.toContain(s.itemId);
    expect((await api(`/api/marketplace/items/${s.itemId}`, { headers: reader })).status).toBe(404);

    const [row] = await db().select().from(schema.items).where(eq(schema.items.id, s.itemId));
    expect(row).toMatchObject({ ownerType: "workspace", workspaceId: s.workspace.id, ownerId: s.workspace.id, isApproved: false });
    expect(row!.removedAt).toBeInstanceOf(Date);
    expect(await db().select().from(schema.marketplaceInstalls).where(eq(schema.marketplaceInstalls.itemId, s.itemId))).toHaveLength(1);
    expect(await auditOf(s.itemId)).toContainEqual(expect.objectContaining({ action: "remove", reason: "Policy" }));
    // Removing again, or resubmitting, is an illegal transition.
    expect((await api(`/api/marketplace/items/${s.itemId}`, { method: "DELETE", headers: admin })).status).toBe(404);
    expect((await s.submit({ item_id: s.skill.id })).status).toBe(409);
  });

  it("lets admins filter the audit log by action", async () => {
    const s = await submitted();
    await post(`/api/marketplace/items/${s.itemId}/reject`, { reason: "Filter me" }, admin);
    const response = await api(`/api/admin/audit?action=reject&target_id=${s.itemId}`, { headers: admin });
    const body = (await response.json()) as { items: Array<{ action: string }>; total: number };
    expect(body.total).toBe(1);
    expect(body.items[0]!.action).toBe("reject");
  });
});
