import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { API_KEY_SCOPES, isAccessMiddleware, type RouteAccess } from "../../src/lib/access";
import { bearer, createKey, foreignSigningKey, signedInUser, signToken, unsignedToken } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createWorkspace } from "../helpers/factories";
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

/** The concrete URL for a route, acting in `workspaceId`; other path parameters get random ids. */
function urlFor(path: string, workspaceId: string): string {
  return path.replace(/:([A-Za-z_]+)/g, (_, name: string) => (name === "workspace_id" ? workspaceId : crypto.randomUUID()));
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
