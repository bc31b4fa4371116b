import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { setTimeout as sleep } from "node:timers/promises";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import * as schema from "../../src/db/schema";
import type { Bindings } from "../../src/env";
import { isolateCaches } from "../../src/lib/isolate-caches";
import { CATALOG_GENERATION_KEY } from "../../src/services/catalog-cache";
import { CatalogMemory, DEFAULT_CATALOG_FRESHNESS_MS, catalogFreshnessMs } from "../../src/services/catalog-memory";
import { bearer, createKey, signedInUser, signToken } from "../helpers/auth";
import { rawRedis } from "../helpers/cache";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, createUser, createWorkspace, uniqueToken } from "../helpers/factories";

// The catalog memory tier (issue 32 item 3, design.md §26, §32, §47, §54): a signed-in reader's
// cached catalog page answered from the isolate's memory with no round trip while the isolate's
// copy of the generation is younger than CATALOG_FRESHNESS_MS. This file runs in the
// `workers-memory` project, alone and with the default bound (1,000 ms), and counts round trips
// where they arrive: queries at the Neon relay, HTTP requests at the Upstash endpoint.

const clients = useDatabase();
const db = () => clients.pool;
const BOUND = DEFAULT_CATALOG_FRESHNESS_MS;

interface Counts {
  database: number;
  upstash: number;
}

async function counters(): Promise<Counts> {
  const relay = (await (await fetch(`http://${env.LOCAL_NEON_PROXY}/__counters`)).json()) as { total: number };
  const upstash = (await (await fetch(`${env.UPSTASH_REDIS_REST_URL}/__counters`, { headers: { Authorization: `Bearer ${env.UPSTASH_REDIS_REST_TOKEN}` } })).json()) as { requests: number };
  return { database: relay.total, upstash: upstash.requests };
}

/** One request to the app, its waitUntil work awaited, with the round trips it made (`overrides`: other bindings). */
async function counted(path: string, init: RequestInit = {}, overrides: Partial<Bindings> = {}) {
  const before = await counters();
  const ctx = createExecutionContext();
  const response = await createApp().fetch(new Request(new URL(path, "https://api.test"), init), { ...env, ...overrides }, ctx);
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  const after = await counters();
  return { response, body, trips: { database: after.database - before.database, upstash: after.upstash - before.upstash } };
}

const TAG = uniqueToken("mem");
const LIST = `/api/marketplace/items?tags=${TAG}`;
let admin: Record<string, string>;
let publisherId: string;

beforeAll(async () => {
  const { workspace } = await createWorkspace(db());
  publisherId = workspace.id;
  await createMarketplaceItem(db(), { tags: [TAG], publisherWorkspaceId: publisherId });
  const moderator = await createUser(db(), { systemRole: "admin" });
  admin = bearer(await signToken({ sub: moderator.clerkUserId }));
});

const ids = (body: string) => (JSON.parse(body) as { items: Array<{ id: string }> }).items.map((i) => i.id).sort();

/** A signed-in reader whose next read of `path` is served from memory: two reads, the second refreshing generation and snapshot. */
async function primedReader(path = LIST) {
  const { token } = await signedInUser(db());
  const headers = bearer(token);
  expect((await counted(path, { headers })).response.status).toBe(200);
  const refreshed = await counted(path, { headers });
  expect(refreshed.response.status).toBe(200);
  return { headers, body: refreshed.body };
}

describe("catalog memory tier: round trips (issue 32 item 3)", () => {
  it("a JWT cached read makes 0 database queries and 0 Upstash requests inside the bound, and 1 Upstash request past it", async () => {
    const { headers, body } = await primedReader();
    const inside = await counted(LIST, { headers });
    expect(inside.response.status).toBe(200);
    expect(inside.trips).toEqual({ database: 0, upstash: 0 });
    expect(inside.body).toBe(body);
    expect(inside.response.headers.get("x-cache")).toBe("hit");
    expect(inside.response.headers.get("etag")).toBeTruthy();
    expect(inside.response.headers.get("ratelimit-limit")).toBe(env.RATE_LIMIT_PER_MINUTE);

    await sleep(BOUND + 50);
    const past = await counted(LIST, { headers });
    expect(past.response.status).toBe(200);
    expect(past.trips).toEqual({ database: 0, upstash: 1 });
    expect(past.body).toBe(body);
    // That round trip refreshed the generation and the snapshot together (design.md §54).
    expect((await counted(LIST, { headers })).trips).toEqual({ database: 0, upstash: 0 });
  });

  it("a detail read is served from memory too, and 304 answers the same ETag with no round trip", async () => {
    const item = await createMarketplaceItem(db(), { tags: [TAG], publisherWorkspaceId: publisherId });
    const path = `/api/marketplace/items/${item.item.id}`;
    const { headers } = await primedReader(path);
    const inside = await counted(path, { headers });
    expect(inside.trips).toEqual({ database: 0, upstash: 0 });
    const etag = inside.response.headers.get("etag")!;
    const notModified = await counted(path, { headers: { ...headers, "If-None-Match": etag } });
    expect(notModified.response.status).toBe(304);
    expect(notModified.trips).toEqual({ database: 0, upstash: 0 });
  });

  it("an API-key read checks revocation every time: 1 Upstash request per read, and the read after a revoke is 401", async () => {
    const { user, token } = await signedInUser(db());
    const { workspace } = await createWorkspace(db(), { owner: user });
    const owner = { ...bearer(token), "X-Workspace-ID": workspace.id };
    const created = await counted("/api/api-keys", { method: "POST", headers: { ...owner, "Content-Type": "application/json" }, body: JSON.stringify({ name: "memory tier", scopes: ["catalog:read"] }) });
    expect(created.response.status).toBe(201);
    const key = JSON.parse(created.body) as { id: string; key: string };
    const reader = { "X-API-Key": key.key };
    expect((await counted(LIST, { headers: reader })).response.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const read = await counted(LIST, { headers: reader });
      expect(read.response.status).toBe(200);
      expect(read.trips).toEqual({ database: 0, upstash: 1 });
    }
    expect((await counted(`/api/api-keys/${key.id}`, { method: "DELETE", headers: owner })).response.status).toBe(204);
    const revoked = await counted(LIST, { headers: reader });
    expect(revoked.response.status).toBe(401);
  });

  it("a platform admin is never served from memory (design.md §32)", async () => {
    expect((await counted(LIST, { headers: admin })).response.status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const read = await counted(LIST, { headers: admin });
      expect(read.response.status).toBe(200);
      expect(read.trips.upstash).toBe(1);
      expect(read.response.headers.get("cache-control")).toBe("private, no-store");
    }
  });

  it("with CATALOG_FRESHNESS_MS=0 every JWT read takes its round trip", async () => {
    const { token } = await signedInUser(db());
    const headers = bearer(token);
    for (let i = 0; i < 3; i++) {
      const read = await counted(LIST, { headers }, { CATALOG_FRESHNESS_MS: "0" });
      expect(read.response.status).toBe(200);
      if (i > 0) expect(read.trips).toEqual({ database: 0, upstash: 1 });
    }
  });
});

describe("catalog memory tier: freshness (issue 32 item 3)", () => {
  it("an approve handled by this isolate is visible to a JWT reader at once", async () => {
    const pending = await createMarketplaceItem(db(), { tags: [TAG], publisherWorkspaceId: publisherId, isApproved: false });
    const { headers, body } = await primedReader();
    expect(ids(body)).not.toContain(pending.item.id);
    const approved = await counted(`/api/marketplace/items/${pending.item.id}/approve`, { method: "POST", headers: { ...admin, "Content-Type": "application/json" }, body: "{}" });
    expect(approved.response.status, approved.body).toBe(200);
    const after = await counted(LIST, { headers });
    expect(ids(after.body)).toContain(pending.item.id);
  });

  it("another isolate's write is visible to a JWT reader within the bound", async () => {
    const item = await createMarketplaceItem(db(), { tags: [TAG], publisherWorkspaceId: publisherId, isFeatured: false });
    const featured = `${LIST}&featured=true`;
    const { headers, body } = await primedReader(featured);
    expect(ids(body)).not.toContain(item.item.id);
    // What another isolate's feature does: the row changes and the generation is deleted in Redis.
    await db().update(schema.items).set({ isFeatured: true }).where(eq(schema.items.id, item.item.id));
    await rawRedis("DEL", CATALOG_GENERATION_KEY);
    const started = Date.now();
    // Inside the bound this isolate may still answer the page it holds …
    const inside = await counted(featured, { headers });
    if (Date.now() - started < BOUND / 2) expect(inside.trips.upstash).toBe(0);
    // … and once the bound has passed it reads the new generation.
    await sleep(BOUND + 50);
    const past = await counted(featured, { headers });
    expect(past.trips.upstash).toBeGreaterThan(0);
    expect(ids(past.body)).toContain(item.item.id);
  });

  it("any write the isolate handles discards its generation copy and snapshots", async () => {
    const { headers } = await primedReader();
    expect((await counted(LIST, { headers })).trips).toEqual({ database: 0, upstash: 0 });
    const write = await counted("/api/workspaces", { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify({ name: `Memory ${uniqueToken()}` }) });
    expect(write.response.status).toBe(201);
    expect((await counted(LIST, { headers })).trips.upstash).toBe(1);
  });

  it("a snapshot serves only the workspaces it read: a new X-Workspace-ID takes the round trip, and a non-member still gets 404", async () => {
    const { user, token } = await signedInUser(db());
    const { workspace } = await createWorkspace(db(), { owner: user });
    const other = (await createWorkspace(db())).workspace;
    const inWorkspace = { ...bearer(token), "X-Workspace-ID": workspace.id };
    await counted(LIST, { headers: inWorkspace });
    await counted(LIST, { headers: inWorkspace });
    expect((await counted(LIST, { headers: inWorkspace })).trips).toEqual({ database: 0, upstash: 0 });
    const elsewhere = await counted(LIST, { headers: { ...bearer(token), "X-Workspace-ID": other.id } });
    expect(elsewhere.response.status).toBe(404);
    expect(elsewhere.trips.upstash).toBe(1);
  });

  it("reads served from memory are rate-limited in the isolate at the same per-minute limit", async () => {
    const { token } = await signedInUser(db());
    const headers = bearer(token);
    const limited = { RATE_LIMIT_PER_MINUTE: "3" };
    // The first read goes through Redis (its window: 1 of 3); the reads served from memory count in
    // the isolate's own window: 3 allowed, the 4th refused, with no round trip.
    const first = await counted(LIST, { headers }, limited);
    expect(first.response.status).toBe(200);
    expect(first.trips.upstash).toBeGreaterThan(0);
    const fromMemory: number[] = [];
    for (let i = 0; i < 6 && fromMemory.length < 4; i++) {
      const read = await counted(LIST, { headers }, limited);
      if (read.trips.upstash === 0 && read.trips.database === 0) fromMemory.push(read.response.status);
      else expect(read.response.status).toBe(200);
    }
    expect(fromMemory).toEqual([200, 200, 200, 429]);
  });
});

describe("catalog memory tier: bounds and configuration", () => {
  it("CATALOG_FRESHNESS_MS: an integer 0–60000, else the default 1000", () => {
    expect(catalogFreshnessMs(undefined)).toBe(1000);
    expect(catalogFreshnessMs("0")).toBe(0);
    expect(catalogFreshnessMs("250")).toBe(250);
    expect(catalogFreshnessMs("60000")).toBe(60_000);
    for (const bad of ["", " ", "-1", "1.5", "60001", "soon"]) expect(catalogFreshnessMs(bad)).toBe(1000);
  });

  it("holds at most its snapshot count (least recently used first out), and never an admin", () => {
    const memory = new CatalogMemory(2);
    const user = (id: string, systemRole: "user" | "admin" = "user") =>
      ({ kind: "user", user: { id, clerkUserId: id, email: null, name: null, systemRole, createdAt: new Date(), updatedAt: new Date() } }) as const;
    const now = Date.now();
    memory.noteGeneration("g1", now);
    for (const sub of ["a", "b", "c"]) memory.rememberPrincipal(sub, user(sub), undefined, now);
    memory.rememberPrincipal("root", user("root", "admin"), undefined, now);
    expect(memory.snapshotCount).toBe(2);
    const page = { generation: "g1", etag: '"e"', body: "{}" };
    memory.rememberPage("k", page);
    expect(memory.read("a", "k", undefined, 1000, now)).toBeUndefined();
    expect(memory.read("c", "k", undefined, 1000, now)?.stored).toEqual(page);
    expect(memory.read("root", "k", undefined, 1000, now)).toBeUndefined();
    // Past the bound, or under another generation, nothing is served.
    expect(memory.read("c", "k", undefined, 1000, now + 1000)).toBeUndefined();
    memory.noteGeneration("g2", now);
    expect(memory.read("c", "k", undefined, 1000, now)).toBeUndefined();
    memory.forget();
    expect(memory.snapshotCount).toBe(0);
  });

  it("is registered as an isolate-scope cache", () => {
    expect(isolateCaches.names()).toEqual(expect.arrayContaining(["catalog memory tier", "upstash text clients"]));
  });
});
