import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { API_KEY_SCOPES, isAccessMiddleware, type RouteAccess } from "../../src/lib/access";
import { bearer, createKey, foreignSigningKey, signedInUser, signToken, unsignedToken } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { addMember, createWorkspace } from "../helpers/factories";
import { api } from "../helpers/http";

/**
 * Every route the app registers, with the access it declares. Built from the app itself, so a new
 * route is covered without touching this file, and a route without a declaration fails here.
 */
function declaredRoutes() {
  const byRoute = new Map<string, { method: string; path: string; access?: RouteAccess }>();
  for (const route of createApp({ testRoutes: true, benchRoutes: true }).routes) {
    if (route.path === "/*" || route.method === "ALL") continue; // global middleware
    const id = `${route.method} ${route.path}`;
    const entry = byRoute.get(id) ?? { method: route.method, path: route.path };
    if (isAccessMiddleware(route.handler)) entry.access = route.handler.access;
    byRoute.set(id, entry);
  }
  return [...byRoute.values()];
}

const routes = declaredRoutes();
const clients = useDatabase();
const db = () => clients.pool;

it("finds an access declaration on every registered route", () => {
  expect(routes.length).toBeGreaterThan(10);
  expect(routes.filter((r) => !r.access).map((r) => `${r.method} ${r.path}`)).toEqual([]);
});

interface World {
  workspaceId: string;
  otherWorkspaceId: string;
  memberToken: string;
  outsiderToken: string;
}

/**
 * One world for the whole file, built on first use: every request here is refused, so no test
 * changes it, and building it per test (two users, two workspaces) was most of the file's time.
 */
let world: Promise<World> | undefined;
const sharedWorld = () => (world ??= buildWorld());

async function buildWorld(): Promise<World> {
  const member = await signedInUser(db());
  const outsider = await signedInUser(db());
  const { workspace } = await createWorkspace(db(), { owner: member.user });
  const { workspace: other } = await createWorkspace(db(), { owner: outsider.user });
  return { workspaceId: workspace.id, otherWorkspaceId: other.id, memberToken: member.token, outsiderToken: outsider.token };
}

/** The concrete URL for a route, acting in `workspaceId`; a version is 1.0.0, other path parameters get random ids. */
function urlFor(path: string, workspaceId: string): string {
  return path.replace(/:([A-Za-z_]+)/g, (_, name: string) => (name === "workspace_id" ? workspaceId : name === "version" ? "1.0.0" : crypto.randomUUID()));
}

interface Case {
  name: string;
  status: number;
  headers: (w: World) => Promise<Record<string, string>>;
  /** Which workspace the request names (path segment and header). */
  actIn?: (w: World) => string;
  applies?: (access: RouteAccess) => boolean;
}

const keyAllowed = (a: RouteAccess) => a.access === "authenticated" && a.scope !== null;

const CASES: Case[] = [
  { name: "no credentials", status: 401, headers: async () => ({}) },
  { name: "an expired JWT", status: 401, headers: async () => bearer(await signToken({ sub: "user_matrix", expiresIn: -3600 })) },
  {
    name: "a JWT signed by another key",
    status: 401,
    headers: async () => bearer(await signToken({ sub: "user_matrix", key: await foreignSigningKey() })),
  },
  { name: "an alg:none JWT", status: 401, headers: async () => bearer(unsignedToken("user_matrix")) },
  {
    name: "a JWT from the wrong issuer",
    status: 401,
    headers: async () => bearer(await signToken({ sub: "user_matrix", issuer: "https://issuer.evil" })),
  },
  {
    name: "a revoked key",
    status: 401,
    headers: async (w) => ({ "X-API-Key": (await createKey(db(), w.workspaceId, { revoked: true })).secret }),
  },
  {
    name: "an expired key",
    status: 401,
    headers: async (w) => ({ "X-API-Key": (await createKey(db(), w.workspaceId, { expiresAt: new Date(Date.now() - 60_000) })).secret }),
  },
  {
    name: "a key of another workspace",
    status: 404,
    applies: keyAllowed,
    headers: async (w) => ({ "X-API-Key": (await createKey(db(), w.otherWorkspaceId)).secret }),
  },
  {
    name: "a workspace the user is not a member of",
    status: 404,
    applies: (a) => a.access !== "public",
    headers: async (w) => bearer(w.outsiderToken),
  },
  {
    name: "a non-admin user on an admin route",
    status: 403,
    applies: (a) => a.access === "admin",
    headers: async (w) => bearer(w.memberToken),
  },
  {
    name: "an API key on an admin route",
    status: 403,
    applies: (a) => a.access === "admin",
    headers: async (w) => ({ "X-API-Key": (await createKey(db(), w.workspaceId)).secret }),
  },
  {
    name: "a key without the route's scope",
    status: 403,
    applies: (a) => a.access === "authenticated",
    headers: async (w) => ({ "X-API-Key": (await createKey(db(), w.workspaceId, { scopes: withoutScopeOf(currentAccess!) })).secret }),
  },
];

// The access of the route a case is running for (cases build their headers from it).
let currentAccess: RouteAccess | undefined;
function withoutScopeOf(access: RouteAccess) {
  const needed = access.access === "authenticated" ? access.scope : null;
  return API_KEY_SCOPES.filter((s) => s !== needed);
}

describe.each(routes.filter((r) => r.access && r.access.access !== "public"))("$method $path", (route) => {
  for (const testCase of CASES) {
    if (testCase.applies && !testCase.applies(route.access!)) continue;
    it(`answers ${testCase.status} to ${testCase.name}, with no data`, async () => {
      const world = await sharedWorld();
      currentAccess = route.access;
      const headers = await testCase.headers(world);
      const response = await api(urlFor(route.path, world.workspaceId), {
        method: route.method,
        headers: { ...headers, "X-Workspace-ID": world.workspaceId, "content-type": "application/json" },
        body: route.method === "GET" || route.method === "HEAD" ? undefined : "{}",
      });
      expect(response.status).toBe(testCase.status);
      expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      const body = (await response.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(["code", "detail", "requestId", "status", "title", "type"]);
    });
  }
});

// Publisher-or-admin routes (design.md §38): both paths of the bypass. A platform admin passes the
// gate with no workspace (the answer is the route's own: a random id is not found); anyone else is
// held to the scope, workspace and role the route declares.
const GATE_CODES = ["insufficient_scope", "insufficient_role", "api_key_not_allowed", "admin_required", "workspace_required", "workspace_not_found"];
const bypassRoutes = routes.filter((r) => r.access?.access === "authenticated" && r.access.platformAdminBypass);

it("finds the publisher-or-admin bypass on the version-status PATCH only", () => {
  expect(bypassRoutes.map((r) => `${r.method} ${r.path}`)).toEqual(["PATCH /api/marketplace/items/:id/versions/:version"]);
});

describe.each(bypassRoutes)("$method $path (publisher or admin)", (route) => {
  const access = route.access as Extract<RouteAccess, { access: "authenticated" }>;
  const call = (headers: Record<string, string>, workspaceId = crypto.randomUUID()) =>
    api(urlFor(route.path, workspaceId), { method: route.method, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify({ status: "active" }) });

  it("lets a platform admin through with no workspace: the route answers, not the gate", async () => {
    const admin = await signedInUser(db(), { systemRole: "admin" });
    const response = await call(bearer(admin.token));
    const body = await problemOf(response);
    expect(response.status).toBe(404);
    expect(GATE_CODES).not.toContain(body.code);
  });

  it("refuses an admin naming a workspace they may not act in (404), as on every route", async () => {
    const admin = await signedInUser(db(), { systemRole: "admin" });
    const w = await sharedWorld();
    const response = await call({ ...bearer(admin.token), "X-Workspace-ID": w.otherWorkspaceId });
    expect(response.status).toBe(404);
    expect((await problemOf(response)).code).toBe("workspace_not_found");
  });

  it("holds everyone else to the workspace: a member naming none is 400 workspace_required", async () => {
    const w = await sharedWorld();
    const response = await call(bearer(w.memberToken));
    expect(response.status).toBe(400);
    expect((await problemOf(response)).code).toBe("workspace_required");
  });

  it("holds everyone else to the role: a member below it is 403 insufficient_role", async () => {
    expect(access.role).toBeDefined();
    // A workspace of its own: the shared world stays as built.
    const { workspace } = await createWorkspace(db());
    const viewer = await addMember(db(), workspace.id, "viewer");
    const response = await call({ ...bearer(await signToken({ sub: viewer.clerkUserId })), "X-Workspace-ID": workspace.id });
    expect(response.status).toBe(403);
    expect((await problemOf(response)).code).toBe("insufficient_role");
  });

  it("holds a key to the scope: a key without it is 403 insufficient_scope", async () => {
    const w = await sharedWorld();
    const key = await createKey(db(), w.workspaceId, { scopes: withoutScopeOf(access) });
    const response = await call({ "X-API-Key": key.secret });
    expect(response.status).toBe(403);
    expect((await problemOf(response)).code).toBe("insufficient_scope");
  });
});

async function problemOf(response: Response): Promise<{ code: string }> {
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  return (await response.json()) as { code: string };
}
