import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { bearer, signToken } from "../helpers/auth";
import { expireKeyPrincipals } from "../helpers/cache";
import { useDatabase } from "../helpers/db";
import { addMember, createWorkspace } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";

// Issue 10, item 3: a key acts only while its creator is still a member with a role that could
// create it (admin or owner).
const clients = useDatabase();
const db = () => clients.pool;
const tokenFor = async (user: { clerkUserId: string }) => bearer(await signToken({ sub: user.clerkUserId }));

/** A workspace with an admin who mints a keys:manage key through the API, and that key's own child. */
async function adminWithKeys() {
  const { workspace, owner } = await createWorkspace(db());
  const admin = await addMember(db(), workspace.id, "admin");
  const headers = { ...(await tokenFor(admin)), "X-Workspace-ID": workspace.id };
  const created = await api("/api/api-keys", jsonRequest("POST", { name: "admin key", scopes: ["keys:manage", "catalog:read"] }, headers));
  expect(created.status).toBe(201);
  const parent = (await created.json()) as { id: string; key: string };
  const minted = await api("/api/api-keys", jsonRequest("POST", { name: "child", scopes: ["catalog:read", "keys:manage"] }, { "X-API-Key": parent.key }));
  expect(minted.status).toBe(201);
  const child = (await minted.json()) as { id: string; key: string };
  return { workspace, owner, admin, parent, child };
}

const listKeys = (secret: string) => api("/api/api-keys", { headers: { "X-API-Key": secret } });
const mint = (secret: string) => api("/api/api-keys", jsonRequest("POST", { name: "fresh", scopes: ["catalog:read"] }, { "X-API-Key": secret }));

describe("removing a member revokes the keys they created, in the same transaction", () => {
  it("answers with the count, and the keys (keys:manage included) fail on the next request and cannot mint", async () => {
    const { workspace, owner, admin, parent, child } = await adminWithKeys();
    expect((await listKeys(parent.key)).status).toBe(200);

    const removed = await api(`/api/workspaces/${workspace.id}/members/${admin.id}`, { method: "DELETE", headers: await tokenFor(owner) });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({ user_id: admin.id, revoked_api_keys: 2 });

    for (const secret of [parent.key, child.key]) {
      const use = await listKeys(secret);
      expect(use.status).toBe(401);
      expect((await problem(use)).code).toBe("api_key_revoked");
      expect((await mint(secret)).status).toBe(401);
    }
    const rows = await db().select().from(schema.apiKeys).where(eq(schema.apiKeys.workspaceId, workspace.id));
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.revokedAt !== null)).toBe(true);
  });

  it("revokes the keys of a member who leaves", async () => {
    const { workspace, admin, parent } = await adminWithKeys();
    const left = await api(`/api/workspaces/${workspace.id}/members/${admin.id}`, { method: "DELETE", headers: await tokenFor(admin) });
    expect(await left.json()).toEqual({ user_id: admin.id, revoked_api_keys: 2 });
    expect((await listKeys(parent.key)).status).toBe(401);
  });

  it("leaves other members' keys alone, and revokes nothing when the removal is refused", async () => {
    const { workspace, owner, admin, parent } = await adminWithKeys();
    const ownerKey = await api(
      "/api/api-keys",
      jsonRequest("POST", { name: "owner key", scopes: ["catalog:read", "keys:manage"] }, { ...(await tokenFor(owner)), "X-Workspace-ID": workspace.id }),
    );
    const ownerSecret = ((await ownerKey.json()) as { key: string }).key;
    // The last owner cannot go: 409, and their key keeps working.
    expect((await api(`/api/workspaces/${workspace.id}/members/${owner.id}`, { method: "DELETE", headers: await tokenFor(owner) })).status).toBe(409);
    expect((await listKeys(ownerSecret)).status).toBe(200);

    await api(`/api/workspaces/${workspace.id}/members/${admin.id}`, { method: "DELETE", headers: await tokenFor(owner) });
    expect((await listKeys(parent.key)).status).toBe(401);
    expect((await listKeys(ownerSecret)).status).toBe(200);
  });
});

describe("demoting a member below admin revokes the keys they created, in the same transaction", () => {
  const changeRole = async (workspaceId: string, by: { clerkUserId: string }, userId: string, role: string) =>
    api(`/api/workspaces/${workspaceId}/members/${userId}`, jsonRequest("PATCH", { role }, await tokenFor(by)));

  it("answers with the count; the keys fail on the next request and stay revoked after a re-promotion", async () => {
    const { workspace, owner, admin, parent, child } = await adminWithKeys();
    const demoted = await changeRole(workspace.id, owner, admin.id, "editor");
    expect(demoted.status).toBe(200);
    expect(await demoted.json()).toEqual({ user_id: admin.id, role: "editor", revoked_api_keys: 2 });
    for (const secret of [parent.key, child.key]) {
      const use = await listKeys(secret);
      expect(use.status).toBe(401);
      expect((await problem(use)).code).toBe("api_key_revoked");
      expect((await mint(secret)).status).toBe(401);
    }
    const promoted = await changeRole(workspace.id, owner, admin.id, "admin");
    expect(await promoted.json()).toEqual({ user_id: admin.id, role: "admin", revoked_api_keys: 0 });
    expect((await listKeys(parent.key)).status).toBe(401);
  });

  it("revokes nothing on a change between roles that can create keys", async () => {
    const { workspace, owner, admin, parent } = await adminWithKeys();
    const promoted = await changeRole(workspace.id, owner, admin.id, "owner");
    expect(await promoted.json()).toEqual({ user_id: admin.id, role: "owner", revoked_api_keys: 0 });
    expect((await listKeys(parent.key)).status).toBe(200);
  });
});

describe("a key acts only while its creator keeps a role that could create it", () => {
  it("stops a key whose creator was demoted below admin by any path (here straight in the database)", async () => {
    const { workspace, admin, parent, child } = await adminWithKeys();
    await db()
      .update(schema.workspaceMembers)
      .set({ role: "editor" })
      .where(eq(schema.workspaceMembers.userId, admin.id));
    // A write outside the API is seen once the keys' principal-cache entries expire (API writes
    // delete them at once, see principal-cache.test.ts); expire them now instead of waiting.
    await expireKeyPrincipals(parent.key, child.key);
    for (const secret of [parent.key, child.key]) {
      const use = await listKeys(secret);
      expect(use.status).toBe(401);
      expect((await problem(use)).code).toBe("api_key_creator_lacks_role");
      expect((await mint(secret)).status).toBe(401);
    }
    expect((await api(`/api/marketplace/items`, { headers: { "X-API-Key": child.key, "X-Workspace-ID": workspace.id } })).status).toBe(401);
  });

  it("keeps working when the creator's user row is gone (design.md §12: keys outlive their creator)", async () => {
    const { admin, parent } = await adminWithKeys();
    await db().delete(schema.users).where(eq(schema.users.id, admin.id));
    const [row] = await db().select().from(schema.apiKeys).where(eq(schema.apiKeys.id, parent.id));
    expect(row!.createdByUserId).toBeNull();
    expect((await listKeys(parent.key)).status).toBe(200);
  });
});
