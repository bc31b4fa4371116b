import { beforeAll, describe, expect, it } from "vitest";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createWorkspace, uniqueToken } from "../helpers/factories";
import { api, problem } from "../helpers/http";
import { createPluginCategory, insertPlugin, listPluginsAs } from "./browse-fixtures";

// Issue 15 item 1: who sees which plugins. Non-admins see approved, active plugins only, whatever
// they ask; platform admins see every plugin, uncached, and may narrow by approval_status.
const clients = useDatabase();
const db = () => clients.pool;
const TAG = uniqueToken("psec");
const world = {} as { reader: Record<string, string>; member: Record<string, string>; admin: Record<string, string>; ids: Record<string, string>; categoryId: string };

beforeAll(async () => {
  const member = await signedInUser(db());
  const { workspace } = await createWorkspace(db(), { owner: member.user });
  world.reader = { "X-API-Key": (await createKey(db(), workspace.id, { scopes: ["catalog:read"] })).secret };
  world.member = bearer(member.token);
  world.admin = bearer((await signedInUser(db(), { systemRole: "admin" })).token);
  world.categoryId = (await createPluginCategory(db())).id;
  const base = { tags: [TAG], categoryId: world.categoryId };
  world.ids = {
    listed: (await insertPlugin(db(), { ...base, name: `Listed ${TAG}` })).id,
    pending: (await insertPlugin(db(), { ...base, name: `Pending ${TAG}`, status: "pending" })).id,
    rejected: (await insertPlugin(db(), { ...base, name: `Rejected ${TAG}`, status: "rejected" })).id,
    inactive: (await insertPlugin(db(), { ...base, name: `Inactive ${TAG}`, isActive: false })).id,
  };
});

const ids = (body: { items: Array<{ id: string }> }) => body.items.map((i) => i.id).sort();

describe("non-admins", () => {
  it("see only approved, active plugins, with an API key and as a signed-in user", async () => {
    for (const headers of [world.reader, world.member]) {
      const body = await listPluginsAs(headers, `tags=${TAG}`);
      expect(ids(body)).toEqual([world.ids.listed]);
      expect(body.total).toBe(1);
    }
  });

  it("have approval_status ignored: asking for pending or rejected plugins still lists only approved, active ones", async () => {
    for (const status of ["pending", "rejected", "approved"]) {
      const body = await listPluginsAs(world.reader, `tags=${TAG}&approval_status=${status}`);
      expect(ids(body), status).toEqual([world.ids.listed]);
    }
  });

  it("never find hidden plugins by search", async () => {
    const body = await listPluginsAs(world.reader, `search=${TAG}`);
    expect(ids(body)).toEqual([world.ids.listed]);
  });

  it("count only visible plugins per category", async () => {
    const response = await api("/api/marketplace/plugins/categories", { headers: world.reader });
    const body = (await response.json()) as { items: Array<{ id: string; plugin_count: number }> };
    expect(body.items.find((c) => c.id === world.categoryId)?.plugin_count).toBe(1);
  });

  it("are refused without the catalog:read scope", async () => {
    const { workspace } = await createWorkspace(db());
    const key = await createKey(db(), workspace.id, { scopes: ["items:install"] });
    for (const path of ["/api/marketplace/plugins", "/api/marketplace/plugins/categories", `/api/marketplace/plugins/${world.ids.listed}`]) {
      const response = await api(path, { headers: { "X-API-Key": key.secret } });
      expect(response.status, path).toBe(403);
      expect((await problem(response)).code).toBe("insufficient_scope");
    }
  });
});

describe("platform admins", () => {
  it("see every plugin, uncached, even after a non-admin cached the same URL", async () => {
    const path = `tags=${TAG}&sort=name`;
    await listPluginsAs(world.reader, path);
    expect((await listPluginsAs(world.reader, path)).cache).toBe("hit");
    const response = await api(`/api/marketplace/plugins?${path}`, { headers: world.admin });
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("etag")).toBeNull();
    const body = (await response.json()) as { items: Array<{ id: string; approval_status: string; is_active: boolean }> };
    expect(ids(body)).toEqual(Object.values(world.ids).sort());
    expect(body.items.find((i) => i.id === world.ids.inactive)).toMatchObject({ is_active: false, approval_status: "approved" });
  });

  it("do not fill the shared cache with hidden plugins", async () => {
    const path = `tags=${TAG}&sort=newest`;
    await listPluginsAs(world.admin, path);
    const body = await listPluginsAs(world.reader, path);
    expect(ids(body)).toEqual([world.ids.listed]);
  });

  it("narrow by approval_status", async () => {
    const by = async (status: string) => ids(await listPluginsAs(world.admin, `tags=${TAG}&approval_status=${status}`));
    expect(await by("approved")).toEqual([world.ids.listed, world.ids.inactive].sort());
    expect(await by("pending")).toEqual([world.ids.pending]);
    expect(await by("rejected")).toEqual([world.ids.rejected]);
  });

  it("open the detail of a pending plugin, with every version's review state", async () => {
    const response = await api(`/api/marketplace/plugins/${world.ids.pending}`, { headers: world.admin });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(await response.json()).toMatchObject({
      approval_status: "pending",
      version: "1.0.0",
      versions: [{ version: "1.0.0", approval_status: "pending", security_status: "safe" }],
    });
    const asReader = await api(`/api/marketplace/plugins/${world.ids.pending}`, { headers: world.reader });
    expect(asReader.status).toBe(404);
  });
});
