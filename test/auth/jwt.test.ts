import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { bearer, foreignSigningKey, signToken, unsignedToken } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createUser, uniqueToken } from "../helpers/factories";
import { callWithEnv } from "../helpers/app";
import { api, problem } from "../helpers/http";

const clients = useDatabase();
const db = () => clients.pool;

// GET /api/workspaces needs a signed-in user and no workspace: the plainest authenticated route.
const whoCanList = (headers: Record<string, string>) => api("/api/workspaces", { headers });

describe("Clerk session tokens: accepted", () => {
  it("accepts a valid token and creates the user just in time from its claims", async () => {
    const sub = `user_${uniqueToken()}`;
    const response = await whoCanList(bearer(await signToken({ sub, email: `${sub}@example.test`, name: "Jit User" })));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [], total: 0, limit: 50, offset: 0 });
    const [user] = await db().select().from(schema.users).where(eq(schema.users.clerkUserId, sub));
    expect(user).toMatchObject({ email: `${sub}@example.test`, name: "Jit User", systemRole: "user" });
  });

  it("updates e-mail and name when they change, and keeps them when the token omits them", async () => {
    const user = await createUser(db(), { email: "old@example.test", name: "Old Name" });
    await whoCanList(bearer(await signToken({ sub: user.clerkUserId, email: "new@example.test" })));
    await whoCanList(bearer(await signToken({ sub: user.clerkUserId })));
    const [row] = await db().select().from(schema.users).where(eq(schema.users.id, user.id));
    expect(row).toMatchObject({ email: "new@example.test", name: "Old Name" });
  });

  it("never takes the system role from a token", async () => {
    const sub = `user_${uniqueToken()}`;
    const token = await signToken({ sub });
    // Claims like Clerk's public metadata are ignored; only the database decides.
    const response = await api("/api/admin/users", { headers: bearer(token) });
    expect(response.status).toBe(403);
  });

  it("tolerates a few seconds of clock skew", async () => {
    const user = await createUser(db());
    const response = await whoCanList(bearer(await signToken({ sub: user.clerkUserId, expiresIn: -2 })));
    expect(response.status).toBe(200);
  });
});

describe("Clerk session tokens: refused with 401 and a code that says why", () => {
  const cases: Array<[string, () => Promise<Record<string, string>>, string]> = [
    ["no credentials", async () => ({}), "unauthenticated"],
    ["a malformed token", async () => bearer("not.a.jwt"), "token_malformed"],
    ["garbage after Bearer", async () => bearer("%%%"), "token_malformed"],
    ["another authorization scheme", async () => ({ Authorization: "Basic dXNlcjpwYXNz" }), "authorization_malformed"],
    ["an expired token", async () => bearer(await signToken({ sub: "user_expired", expiresIn: -60 })), "token_expired"],
    ["a token not valid yet", async () => bearer(await signToken({ sub: "user_future", notBefore: 120 })), "token_not_yet_valid"],
    ["a token signed by another key", async () => bearer(await signToken({ sub: "user_forged", key: await foreignSigningKey() })), "token_signature_invalid"],
    ["an unsigned token (alg: none)", async () => bearer(unsignedToken("user_none")), "token_algorithm_not_allowed"],
    ["a token from another issuer", async () => bearer(await signToken({ sub: "user_iss", issuer: "https://evil.example" })), "token_issuer_invalid"],
    ["a token for another frontend (azp)", async () => bearer(await signToken({ sub: "user_azp", azp: "https://evil.example" })), "token_party_invalid"],
  ];

  for (const [name, headers, code] of cases) {
    it(`refuses ${name}`, async () => {
      const response = await whoCanList(await headers());
      expect(response.status).toBe(401);
      const body = await problem(response);
      expect(body.code).toBe(code);
      expect(JSON.stringify(body)).not.toMatch(/jose|JWS|JWKS|stack|signature verification failed/i);
    });
  }

  it("creates no user for a refused token", async () => {
    const sub = `user_${uniqueToken()}`;
    await whoCanList(bearer(await signToken({ sub, key: await foreignSigningKey() })));
    expect(await db().select().from(schema.users).where(eq(schema.users.clerkUserId, sub))).toEqual([]);
  });
});

describe("Clerk session tokens: pending sessions (sts: pending)", () => {
  const pendingToken = (sub: string) => signToken({ sub, claims: { v: 2, sts: "pending" } });

  it("refuses a pending session with 401 session_pending by default, and creates no user", async () => {
    const sub = `user_${uniqueToken()}`;
    const response = await whoCanList(bearer(await pendingToken(sub)));
    expect(response.status).toBe(401);
    expect((await problem(response)).code).toBe("session_pending");
    expect(await db().select().from(schema.users).where(eq(schema.users.clerkUserId, sub))).toEqual([]);
  });

  it("accepts an active v2 session", async () => {
    const user = await createUser(db());
    const response = await whoCanList(bearer(await signToken({ sub: user.clerkUserId, claims: { v: 2, sts: "active" } })));
    expect(response.status).toBe(200);
  });

  it("accepts a pending session when CLERK_ALLOW_PENDING_SESSIONS=true", async () => {
    const user = await createUser(db());
    const headers = bearer(await pendingToken(user.clerkUserId));
    const allowed = await callWithEnv("/api/workspaces", { CLERK_ALLOW_PENDING_SESSIONS: "true" }, { headers });
    expect(allowed.status).toBe(200);
    const other = await callWithEnv("/api/workspaces", { CLERK_ALLOW_PENDING_SESSIONS: "false" }, { headers });
    expect(other.status).toBe(401);
  });
});
