import { describe, expect, it } from "vitest";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createWorkspace } from "../helpers/factories";
import { api, problem } from "../helpers/http";

// The rescan routes are for platform admins only (design.md §12, §41): a restart runs over every
// tenant's plugins. Refused callers never start anything (the restart itself is tested in
// test/plugins/rescan.test.ts, which runs alone). The security matrix covers the generic cases too.

const clients = useDatabase();
const db = () => clients.pool;

describe.each(["GET", "POST"])("%s /api/admin/plugins/rescan", (method) => {
  const call = (headers: Record<string, string>) => api("/api/admin/plugins/rescan", { method, headers });

  it("answers 401 without credentials", async () => {
    const response = await call({});
    expect(response.status).toBe(401);
    expect((await problem(response)).code).toBe("unauthenticated");
  });

  it("answers 403 admin_required to a signed-in user who is not a platform admin", async () => {
    const { user, token } = await signedInUser(db());
    await createWorkspace(db(), { owner: user });
    const response = await call(bearer(token));
    expect(response.status).toBe(403);
    expect((await problem(response)).code).toBe("admin_required");
  });

  it("answers 403 to an API key with every scope (keys never carry platform-admin power)", async () => {
    const { workspace } = await createWorkspace(db());
    const key = await createKey(db(), workspace.id);
    const response = await call({ "X-API-Key": key.secret });
    expect(response.status).toBe(403);
    expect((await problem(response)).code).toBe("admin_required");
  });
});
