import { describe, expect, it } from "vitest";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createWorkspace, uniqueToken } from "../helpers/factories";
import { api, problem } from "../helpers/http";

const clients = useDatabase();
const db = () => clients.pool;

describe("platform admins", () => {
  it("lets admins and super admins list users, with search", async () => {
    const marker = uniqueToken("needle");
    const { user: target } = await signedInUser(db(), { name: `Person ${marker}` });
    for (const systemRole of ["admin", "super_admin"] as const) {
      const { token } = await signedInUser(db(), { systemRole });
      const response = await api(`/api/admin/users?search=${marker}`, { headers: bearer(token) });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { items: Array<{ id: string }>; total: number };
      expect(body.total).toBe(1);
      expect(body.items[0]!.id).toBe(target.id);
    }
  });

  it("treats % and _ in the search as plain characters", async () => {
    const { token } = await signedInUser(db(), { systemRole: "admin" });
    const response = await api(`/api/admin/users?search=${encodeURIComponent("%_%")}`, { headers: bearer(token) });
    expect(((await response.json()) as { total: number }).total).toBe(0);
  });

  it("answers everyone else with 403 Admin access required", async () => {
    const { token } = await signedInUser(db());
    const response = await api("/api/admin/users", { headers: bearer(token) });
    expect(response.status).toBe(403);
    const body = await problem(response);
    expect(body).toMatchObject({ code: "admin_required", detail: "Admin access required" });
  });

  it("never lets an API key act as an admin, whatever its scopes", async () => {
    const { workspace } = await createWorkspace(db());
    const key = await createKey(db(), workspace.id);
    const response = await api("/api/admin/users", { headers: { "X-API-Key": key.secret } });
    expect(response.status).toBe(403);
  });
});
