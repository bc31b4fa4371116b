import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { bearer, signedInUser, signToken } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { addMember, createUser, createWorkspace, uniqueToken } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";

const clients = useDatabase();
const db = () => clients.pool;
const tokenFor = async (user: { clerkUserId: string }) => bearer(await signToken({ sub: user.clerkUserId }));

describe("workspaces", () => {
  it("creates a workspace whose creator is the owner, and lists it as mine", async () => {
    const { token } = await signedInUser(db());
    const name = `Team ${uniqueToken()}`;
    const created = await api("/api/workspaces", jsonRequest("POST", { name }, bearer(token)));
    expect(created.status).toBe(201);
    const workspace = (await created.json()) as { id: string; slug: string; role: string };
    expect(workspace).toMatchObject({ name, role: "owner" });
    expect(workspace.slug).toMatch(/^team-/);

    const mine = (await (await api("/api/workspaces", { headers: bearer(token) })).json()) as { items: Array<{ id: string; role: string }> };
    expect(mine.items).toEqual([expect.objectContaining({ id: workspace.id, role: "owner" })]);
  });

  it("answers 409 for a slug that is taken, and derives a free one otherwise", async () => {
    const { token } = await signedInUser(db());
    const slug = uniqueToken("s");
    expect((await api("/api/workspaces", jsonRequest("POST", { name: "A", slug }, bearer(token)))).status).toBe(201);
    const clash = await api("/api/workspaces", jsonRequest("POST", { name: "B", slug }, bearer(token)));
    expect(clash.status).toBe(409);
    expect((await problem(clash)).code).toBe("slug_taken");
    const derived = await api("/api/workspaces", jsonRequest("POST", { name: slug }, bearer(token)));
    expect(derived.status).toBe(201);
  });

  it("refuses API keys on user-only routes", async () => {
    const { workspace } = await createWorkspace(db());
    const { createKey } = await import("../helpers/auth");
    const key = await createKey(db(), workspace.id);
    const response = await api("/api/workspaces", { headers: { "X-API-Key": key.secret } });
    expect(response.status).toBe(403);
    expect((await problem(response)).code).toBe("api_key_not_allowed");
  });
});

describe("members and roles", () => {
  it("lets admins add existing users by id, echoing only the id, and every member list them", async () => {
    const { workspace, owner } = await createWorkspace(db());
    const newcomer = await createUser(db());
    const headers = await tokenFor(owner);
    const added = await api(`/api/workspaces/${workspace.id}/members`, jsonRequest("POST", { user_id: newcomer.id, role: "viewer" }, headers));
    expect(added.status).toBe(201);
    expect(await added.json()).toEqual({ user_id: newcomer.id, role: "viewer", status: "active" });
    const again = await api(`/api/workspaces/${workspace.id}/members`, jsonRequest("POST", { user_id: newcomer.id, role: "viewer" }, headers));
    expect(again.status).toBe(409);

    const list = await api(`/api/workspaces/${workspace.id}/members`, { headers: await tokenFor(newcomer) });
    expect(list.status).toBe(200);
    const roles = ((await list.json()) as { items: Array<{ user_id: string; role: string }> }).items.map((m) => [m.user_id, m.role]);
    expect(roles).toEqual(expect.arrayContaining([[owner.id, "owner"], [newcomer.id, "viewer"]]));
  });

  it("answers 404 for an unknown user id", async () => {
    const { workspace, owner } = await createWorkspace(db());
    const response = await api(`/api/workspaces/${workspace.id}/members`, jsonRequest("POST", { user_id: crypto.randomUUID(), role: "viewer" }, await tokenFor(owner)));
    expect(response.status).toBe(404);
    expect((await problem(response)).code).toBe("user_not_found");
  });

  it("keeps viewers and editors from managing members, and admins from granting owner", async () => {
    const { workspace } = await createWorkspace(db());
    const viewer = await addMember(db(), workspace.id, "viewer");
    const admin = await addMember(db(), workspace.id, "admin");
    const target = await createUser(db());
    const path = `/api/workspaces/${workspace.id}/members`;
    const byViewer = await api(path, jsonRequest("POST", { user_id: target.id, role: "viewer" }, await tokenFor(viewer)));
    expect(byViewer.status).toBe(403);
    expect((await problem(byViewer)).code).toBe("insufficient_role");
    const ownerByAdmin = await api(path, jsonRequest("POST", { user_id: target.id, role: "owner" }, await tokenFor(admin)));
    expect(ownerByAdmin.status).toBe(403);
  });

  it("removes members, but never the last owner, and admins never an owner", async () => {
    const { workspace, owner } = await createWorkspace(db());
    const admin = await addMember(db(), workspace.id, "admin");
    const editor = await addMember(db(), workspace.id, "editor");
    const path = (id: string) => `/api/workspaces/${workspace.id}/members/${id}`;
    const removed = await api(path(editor.id), { method: "DELETE", headers: await tokenFor(admin) });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({ user_id: editor.id, revoked_api_keys: 0 });
    expect((await api(path(editor.id), { method: "DELETE", headers: await tokenFor(admin) })).status).toBe(404);
    expect((await api(path(owner.id), { method: "DELETE", headers: await tokenFor(admin) })).status).toBe(403);
    const last = await api(path(owner.id), { method: "DELETE", headers: await tokenFor(owner) });
    expect(last.status).toBe(409);
    expect((await problem(last)).code).toBe("last_owner");
  });

  it("lets any member leave, viewers included, and the last owner never", async () => {
    const { workspace, owner } = await createWorkspace(db());
    const viewer = await addMember(db(), workspace.id, "viewer");
    const path = (id: string) => `/api/workspaces/${workspace.id}/members/${id}`;
    const left = await api(path(viewer.id), { method: "DELETE", headers: await tokenFor(viewer) });
    expect(left.status).toBe(200);
    expect(await left.json()).toEqual({ user_id: viewer.id, revoked_api_keys: 0 });
    // Gone: the workspace is now hidden from them.
    expect((await api(`/api/workspaces/${workspace.id}/members`, { headers: await tokenFor(viewer) })).status).toBe(404);
    const lastOwner = await api(path(owner.id), { method: "DELETE", headers: await tokenFor(owner) });
    expect(lastOwner.status).toBe(409);
    expect((await problem(lastOwner)).code).toBe("last_owner");
  });

  it("keeps viewers and editors from removing anyone but themselves", async () => {
    const { workspace, owner } = await createWorkspace(db());
    const viewer = await addMember(db(), workspace.id, "viewer");
    const editor = await addMember(db(), workspace.id, "editor");
    const path = (id: string) => `/api/workspaces/${workspace.id}/members/${id}`;
    for (const target of [editor.id, owner.id]) {
      const response = await api(path(target), { method: "DELETE", headers: await tokenFor(viewer) });
      expect(response.status).toBe(403);
      expect((await problem(response)).code).toBe("insufficient_role");
    }
    expect((await api(path(viewer.id), { method: "DELETE", headers: await tokenFor(editor) })).status).toBe(403);
    const members = await db().select().from(schema.workspaceMembers).where(eq(schema.workspaceMembers.workspaceId, workspace.id));
    expect(members).toHaveLength(3);
  });

  it("changes roles within the caller's own, never an owner's by an admin, never the last owner's", async () => {
    const { workspace, owner } = await createWorkspace(db());
    const admin = await addMember(db(), workspace.id, "admin");
    const editor = await addMember(db(), workspace.id, "editor");
    const change = async (by: { clerkUserId: string }, userId: string, role: string) =>
      api(`/api/workspaces/${workspace.id}/members/${userId}`, jsonRequest("PATCH", { role }, await tokenFor(by)));

    const promoted = await change(admin, editor.id, "admin");
    expect(promoted.status).toBe(200);
    expect(await promoted.json()).toEqual({ user_id: editor.id, role: "admin", revoked_api_keys: 0 });
    expect((await problem(await change(admin, editor.id, "owner"))).code).toBe("insufficient_role");
    expect((await problem(await change(admin, owner.id, "viewer"))).code).toBe("insufficient_role");
    const viewer = await addMember(db(), workspace.id, "viewer");
    const byViewer = await change(viewer, viewer.id, "admin");
    expect(byViewer.status).toBe(403);
    expect((await problem(byViewer)).code).toBe("insufficient_role");
    const lastOwner = await change(owner, owner.id, "admin");
    expect(lastOwner.status).toBe(409);
    expect((await problem(lastOwner)).code).toBe("last_owner");
    expect((await change(owner, crypto.randomUUID(), "viewer")).status).toBe(404);
    const [row] = await db().select().from(schema.workspaceMembers).where(eq(schema.workspaceMembers.userId, owner.id));
    expect(row!.role).toBe("owner");
  });

  it("hides a workspace from non-members with 404, via path or header, on every route", async () => {
    const { workspace } = await createWorkspace(db());
    const outsider = await signedInUser(db());
    const viaPath = await api(`/api/workspaces/${workspace.id}/members`, { headers: bearer(outsider.token) });
    expect(viaPath.status).toBe(404);
    expect((await problem(viaPath)).code).toBe("workspace_not_found");
    // A global route refuses the header rather than ignoring it.
    const viaHeader = await api("/api/workspaces", { headers: { ...bearer(outsider.token), "X-Workspace-ID": workspace.id } });
    expect(viaHeader.status).toBe(404);
    const malformed = await api("/api/workspaces", { headers: { ...bearer(outsider.token), "X-Workspace-ID": "not-a-uuid" } });
    expect(malformed.status).toBe(404);
  });

  it("asks a user for the workspace on workspace-scoped routes that have no path segment", async () => {
    const { token } = await signedInUser(db());
    const response = await api("/api/api-keys", { headers: bearer(token) });
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("workspace_required");
  });

  it("gives platform admins no implicit membership", async () => {
    const { workspace } = await createWorkspace(db());
    const { token } = await signedInUser(db(), { systemRole: "admin" });
    const response = await api(`/api/workspaces/${workspace.id}/members`, { headers: bearer(token) });
    expect(response.status).toBe(404);
  });
});
