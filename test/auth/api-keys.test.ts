import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { callWithEnv } from "../helpers/app";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { addMember, createWorkspace } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";

const clients = useDatabase();
const db = () => clients.pool;

async function workspaceAdmin() {
  const { user, token } = await signedInUser(db());
  const { workspace } = await createWorkspace(db(), { owner: user });
  return { user, token, workspace, headers: { ...bearer(token), "X-Workspace-ID": workspace.id } };
}

describe("API keys: create, use, list, revoke", () => {
  it("shows the secret once, stores only its hash, and the key then works", async () => {
    const { workspace, headers } = await workspaceAdmin();
    const created = await api("/api/api-keys", jsonRequest("POST", { name: "CI", scopes: ["catalog:read", "keys:manage"] }, headers));
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    const body = (await created.json()) as { id: string; key: string; prefix: string; scopes: string[] };
    expect(body.key).toMatch(/^mkt_[0-9A-Za-z]{36}$/);
    expect(body.key.startsWith(body.prefix)).toBe(true);
    expect(body.scopes).toEqual(["catalog:read", "keys:manage"]);

    const [row] = await db().select().from(schema.apiKeys).where(eq(schema.apiKeys.id, body.id));
    expect(row!.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(body.key);

    // Both header forms work, and the key acts in its own workspace without naming it.
    const viaHeader = await api("/api/api-keys", { headers: { "X-API-Key": body.key } });
    expect(viaHeader.status).toBe(200);
    const viaBearer = await api("/api/api-keys", { headers: { ...bearer(body.key), "X-Workspace-ID": workspace.id } });
    expect(viaBearer.status).toBe(200);
    const listed = (await viaBearer.json()) as { items: Array<Record<string, unknown>>; total: number };
    expect(listed.total).toBe(1);
    expect(listed.items[0]).toMatchObject({ id: body.id, name: "CI", prefix: body.prefix, revoked_at: null });
    expect(JSON.stringify(listed)).not.toContain(body.key);
    expect(Object.keys(listed.items[0]!)).not.toContain("key_hash");
  });

  it("revokes a key, effective on the very next request", async () => {
    const { workspace, headers } = await workspaceAdmin();
    const key = await createKey(db(), workspace.id);
    expect((await api("/api/api-keys", { headers: { "X-API-Key": key.secret } })).status).toBe(200);
    const revoked = await api(`/api/api-keys/${key.id}`, { method: "DELETE", headers });
    expect(revoked.status).toBe(204);
    const after = await api("/api/api-keys", { headers: { "X-API-Key": key.secret } });
    expect(after.status).toBe(401);
    expect((await problem(after)).code).toBe("api_key_revoked");
  });

  it("refuses an expired key", async () => {
    const { workspace } = await workspaceAdmin();
    const key = await createKey(db(), workspace.id, { expiresAt: new Date(Date.now() - 1000) });
    const response = await api("/api/api-keys", { headers: { "X-API-Key": key.secret } });
    expect(response.status).toBe(401);
    expect((await problem(response)).code).toBe("api_key_expired");
  });

  it("records last use after the response", async () => {
    const { workspace } = await workspaceAdmin();
    const key = await createKey(db(), workspace.id);
    await api("/api/api-keys", { headers: { "X-API-Key": key.secret } });
    let lastUsed: Date | null = null;
    for (let i = 0; i < 20 && !lastUsed; i++) {
      const [row] = await db().select().from(schema.apiKeys).where(eq(schema.apiKeys.id, key.id));
      lastUsed = row!.lastUsedAt;
      if (!lastUsed) await new Promise((r) => setTimeout(r, 50));
    }
    expect(lastUsed).toBeInstanceOf(Date);
  });

  it("cannot revoke another workspace's key (404), which keeps working", async () => {
    const mine = await workspaceAdmin();
    const theirs = await workspaceAdmin();
    const key = await createKey(db(), theirs.workspace.id);
    const response = await api(`/api/api-keys/${key.id}`, { method: "DELETE", headers: mine.headers });
    expect(response.status).toBe(404);
    expect((await api("/api/api-keys", { headers: { "X-API-Key": key.secret } })).status).toBe(200);
  });
});

describe("API keys: refusals", () => {
  it("rejects a mistyped key by its checksum, without a database query", async () => {
    const { workspace } = await workspaceAdmin();
    const key = await createKey(db(), workspace.id);
    const typo = key.secret.slice(0, 10) + (key.secret[10] === "a" ? "b" : "a") + key.secret.slice(11);
    // With the database unreachable, only a check that needs no query can still answer 401.
    const deadDatabase = { DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:9/postgres" };
    const refused = await callWithEnv("/api/api-keys", deadDatabase, { headers: { "X-API-Key": typo } });
    expect(refused.status).toBe(401);
    expect((await problem(refused)).code).toBe("api_key_invalid");
    // The control: a well-formed key does need the database, so the same setup cannot answer 401.
    const control = await callWithEnv("/api/api-keys", deadDatabase, { headers: { "X-API-Key": key.secret } });
    expect(control.status).toBeGreaterThanOrEqual(500);
  });

  it("rejects an unknown but well-formed key", async () => {
    const { workspace } = await workspaceAdmin();
    const key = await createKey(db(), workspace.id);
    await db().delete(schema.apiKeys).where(eq(schema.apiKeys.id, key.id));
    const response = await api("/api/api-keys", { headers: { "X-API-Key": key.secret } });
    expect(response.status).toBe(401);
    expect((await problem(response)).code).toBe("api_key_invalid");
  });

  it("lets a key create keys only with a subset of its own scopes", async () => {
    const { workspace } = await workspaceAdmin();
    const key = await createKey(db(), workspace.id, { scopes: ["keys:manage", "catalog:read"] });
    const headers = { "X-API-Key": key.secret };
    const escalating = await api("/api/api-keys", jsonRequest("POST", { name: "more", scopes: ["items:install"] }, headers));
    expect(escalating.status).toBe(403);
    expect((await problem(escalating)).code).toBe("scope_escalation");
    const subset = await api("/api/api-keys", jsonRequest("POST", { name: "less", scopes: ["catalog:read"] }, headers));
    expect(subset.status).toBe(201);
  });

  it("refuses a key without the route's scope", async () => {
    const { workspace } = await workspaceAdmin();
    const key = await createKey(db(), workspace.id, { scopes: ["catalog:read"] });
    const response = await api("/api/api-keys", { headers: { "X-API-Key": key.secret } });
    expect(response.status).toBe(403);
    expect((await problem(response)).code).toBe("insufficient_scope");
  });

  it("refuses a key acting in another workspace with 404", async () => {
    const { workspace } = await workspaceAdmin();
    const other = await workspaceAdmin();
    const key = await createKey(db(), workspace.id);
    const response = await api("/api/api-keys", { headers: { "X-API-Key": key.secret, "X-Workspace-ID": other.workspace.id } });
    expect(response.status).toBe(404);
    expect((await problem(response)).code).toBe("workspace_not_found");
  });

  it("lets only workspace admins manage keys", async () => {
    const { workspace } = await workspaceAdmin();
    const editor = await addMember(db(), workspace.id, "editor");
    const { signToken } = await import("../helpers/auth");
    const headers = { ...bearer(await signToken({ sub: editor.clerkUserId })), "X-Workspace-ID": workspace.id };
    const response = await api("/api/api-keys", jsonRequest("POST", { name: "x", scopes: ["catalog:read"] }, headers));
    expect(response.status).toBe(403);
    expect((await problem(response)).code).toBe("insufficient_role");
  });

  it("lets only platform admins raise a key's rate limit above the default", async () => {
    const { headers } = await workspaceAdmin();
    const response = await api("/api/api-keys", jsonRequest("POST", { name: "fast", scopes: ["catalog:read"], rate_limit_per_minute: 10_000_000 - 1 }, headers));
    expect(response.status).toBe(400);
    const raised = await api("/api/api-keys", jsonRequest("POST", { name: "fast", scopes: ["catalog:read"], rate_limit_per_minute: 999_999 }, headers));
    expect(raised.status).toBe(403);
    expect((await problem(raised)).code).toBe("rate_limit_override_forbidden");
    const lower = await api("/api/api-keys", jsonRequest("POST", { name: "slow", scopes: ["catalog:read"], rate_limit_per_minute: 10 }, headers));
    expect(lower.status).toBe(201);
  });

  it("validates the request and refuses an expiry in the past", async () => {
    const { headers } = await workspaceAdmin();
    const unknownScope = await api("/api/api-keys", jsonRequest("POST", { name: "x", scopes: ["platform:admin"] }, headers));
    expect(unknownScope.status).toBe(400);
    expect((await problem(unknownScope)).errors?.[0]?.path).toMatch(/^json\.scopes/);
    const past = await api("/api/api-keys", jsonRequest("POST", { name: "x", scopes: ["catalog:read"], expires_at: "2020-01-01T00:00:00Z" }, headers));
    expect(past.status).toBe(400);
    expect((await problem(past)).code).toBe("invalid_expiry");
  });
});

describe("API keys: a key creates keys no stronger than itself", () => {
  const HOUR = 3_600_000;
  // The example: a 5/min key expiring in an hour.
  async function parentKey() {
    const { workspace } = await workspaceAdmin();
    const expiresAt = new Date(Date.now() + HOUR);
    const key = await createKey(db(), workspace.id, { scopes: ["keys:manage", "catalog:read"], rateLimitPerMinute: 5, expiresAt });
    return { headers: { "X-API-Key": key.secret }, expiresAt };
  }
  const create = (headers: Record<string, string>, body: Record<string, unknown>) =>
    api("/api/api-keys", jsonRequest("POST", { name: "child", scopes: ["catalog:read"], ...body }, headers));

  it("refuses a child with a higher rate limit than the parent's", async () => {
    const { headers } = await parentKey();
    const response = await create(headers, { rate_limit_per_minute: 600 });
    expect(response.status).toBe(403);
    expect((await problem(response)).code).toBe("rate_limit_exceeds_parent");
  });

  it("refuses a child expiring after the parent, 2036 included", async () => {
    const { headers } = await parentKey();
    for (const expires_at of ["2036-01-01T00:00:00Z", new Date(Date.now() + 2 * HOUR).toISOString()]) {
      const response = await create(headers, { expires_at });
      expect(response.status).toBe(403);
      expect((await problem(response)).code).toBe("expiry_exceeds_parent");
    }
  });

  it("gives a child that names no limit or expiry the parent's own, never none", async () => {
    const { headers, expiresAt } = await parentKey();
    const response = await create(headers, {});
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string; rate_limit_per_minute: number | null; expires_at: string | null };
    expect(body.rate_limit_per_minute).toBe(5);
    expect(body.expires_at).toBe(expiresAt.toISOString());
    const [row] = await db().select().from(schema.apiKeys).where(eq(schema.apiKeys.id, body.id));
    expect(row).toMatchObject({ rateLimitPerMinute: 5, expiresAt });
  });

  it("accepts a child within every bound", async () => {
    const { headers, expiresAt } = await parentKey();
    const within = new Date(expiresAt.getTime() - 60_000).toISOString();
    const response = await create(headers, { rate_limit_per_minute: 5, expires_at: within });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ rate_limit_per_minute: 5, expires_at: within });
  });

  it("bounds a child of a default-limit parent by the deployment default", async () => {
    const { workspace } = await workspaceAdmin();
    const key = await createKey(db(), workspace.id, { scopes: ["keys:manage", "catalog:read"] });
    const response = await create({ "X-API-Key": key.secret }, {});
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ rate_limit_per_minute: null, expires_at: null });
  });
});
