import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nameSkeleton } from "../../src/domain/names";
import { Cleanup } from "../../scripts/bench/cleanup";
import { buildWorkerScript, startBundledWorker, type RunningWorker } from "../../scripts/bench/worker";
import { seedIfEmpty } from "../../scripts/seed/run";
import { withDrizzle } from "../../scripts/stack/dev-auth";
import type { StackBindings } from "../../scripts/stack/stack";
import { spawnStack, TestSigner } from "./stack-process";

// Issue 11 items 1–3 and 5: the round trips of the hot path, counted where they arrive (the Neon
// relay and the local Upstash endpoint). Counts are only deterministic with nothing else using the
// stack, so this file runs its own stack (its own database, relay and redis-server) and the
// deployed bundle on its own Miniflare, instead of sharing the suite's.

const cleanup = new Cleanup(() => {});
let bindings: StackBindings;
let url = "";
let downUrl = "";
let memoryOffUrl = "";
let signer: TestSigner;
let itemId = "";

interface Counts {
  database: number;
  upstash: number;
}

async function counters(): Promise<Counts & { upstashBytes: number }> {
  const db = (await (await fetch(`http://${bindings.LOCAL_NEON_PROXY}/__counters`)).json()) as { total: number };
  const redis = await fetch(`${bindings.UPSTASH_REDIS_REST_URL}/__counters`, { headers: { Authorization: `Bearer ${bindings.UPSTASH_REDIS_REST_TOKEN}` } });
  const upstash = (await redis.json()) as { requests: number; responseBytes: number };
  return { database: db.total, upstash: upstash.requests, upstashBytes: upstash.responseBytes };
}

/** The workers this file serves, and how many requests it has sent each. */
const workers = new Map<string, { worker: RunningWorker; sent: number }>();

/** Waits until every request sent so far has finished, its waitUntil work included (the tail counter says so). */
async function settled(): Promise<void> {
  for (const entry of workers.values()) {
    for (let i = 0; (await entry.worker.invocationsFinished()) < entry.sent; i++) {
      if (i > 2_000) throw new Error(`requests to ${entry.worker.url} never finished`);
      await sleep(5);
    }
  }
}

/** Runs `work` (one request, read whole) and returns what it cost, waitUntil work included (`upstashBytes`: response bytes the Upstash endpoint sent). */
async function roundTripsOf(work: () => Promise<Response>): Promise<{ result: Response; trips: Counts; upstashBytes: number }> {
  await settled();
  const before = await counters();
  const response = await work();
  // Read whole, so the invocation can finish; the caller reads the copy.
  const body = await response.arrayBuffer();
  const result = new Response([101, 204, 205, 304].includes(response.status) ? null : body, response);
  await settled();
  const after = await counters();
  return { result, trips: { database: after.database - before.database, upstash: after.upstash - before.upstash }, upstashBytes: after.upstashBytes - before.upstashBytes };
}

const token = (sub: string, email?: string) => signer.token(sub, email ? { email } : {});

/** A request to one of this file's workers, counted so that settled() can wait for it. */
function request(base: string, path: string, init: RequestInit): Promise<Response> {
  workers.get(base)!.sent += 1;
  return fetch(`${base}${path}`, init);
}
const get = (path: string, headers: Record<string, string>, base = url) => request(base, path, { headers });
async function send(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  return request(url, path, { method, headers: { ...headers, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
}
const code = async (response: Response) => ((await response.json()) as { code?: string }).code;

let serial = 0;
/** An owner with a workspace, and a second user who is an admin there; all through the API but the membership. */
async function tenant() {
  serial += 1;
  const ownerSub = `user_rt_owner_${serial}_${Date.now()}`;
  const memberSub = `user_rt_member_${serial}_${Date.now()}`;
  const owner = { Authorization: `Bearer ${await token(ownerSub)}` };
  const created = await send("POST", "/api/workspaces", owner, { name: `Round trips ${serial} ${Date.now()}` });
  expect(created.status).toBe(201);
  const workspace = (await created.json()) as { id: string };
  const member = { Authorization: `Bearer ${await token(memberSub)}` };
  expect((await roundTripsOf(() => get("/api/workspaces", member))).result.status).toBe(200); // creates the user row
  // Adding a member never needs a cache delete (absent memberships are not cached).
  const memberId = await withDrizzle(bindings.DATABASE_URL, async (db) => {
    const rows = await db.execute<{ id: string }>(
      sql`insert into workspace_members (workspace_id, user_id, role) select ${workspace.id}, id, 'admin' from users where clerk_user_id = ${memberSub} returning user_id as id`,
    );
    return rows.rows[0]!.id;
  });
  return { workspace, owner: { ...owner, "X-Workspace-ID": workspace.id }, member: { ...member, "X-Workspace-ID": workspace.id }, memberId };
}

async function createKey(headers: Record<string, string>, extra: Record<string, unknown> = {}) {
  const response = await send("POST", "/api/api-keys", headers, { name: "round trips", scopes: ["catalog:read", "keys:manage"], ...extra });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; key: string };
}

beforeAll(async () => {
  // The bundle builds (or is taken from the cache) while the stack starts.
  const [stack, script] = await Promise.all([spawnStack(cleanup, { label: "round trips stack" }), buildWorkerScript()]);
  bindings = stack.bindings;
  await seedIfEmpty(bindings.DATABASE_URL);
  itemId = await withDrizzle(bindings.DATABASE_URL, async (db) => {
    const rows = await db.execute<{ id: string }>(sql`select id from items where owner_type = 'marketplace' and is_approved order by name limit 1`);
    return rows.rows[0]!.id;
  });
  signer = await TestSigner.create("round-trips");
  // The Redis path of every read: JWT reads served from isolate memory have their own file
  // (test/catalog/memory-tier.test.ts, design.md §47).
  const vars = { ...signer.workerVars(bindings), CATALOG_FRESHNESS_MS: "0" };

  const serve = async (name: string, workerVars: Record<string, string>) => {
    const worker = await startBundledWorker(script, workerVars, cleanup, name, { countInvocations: true });
    workers.set(worker.url, { worker, sent: 0 });
    return worker.url;
  };
  url = await serve("worker", vars);
  // The same worker with Redis unreachable (a closed port): the cache-down path.
  downUrl = await serve("worker cache down", { ...vars, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", CACHE_TIMEOUT_MS: "200" });
  // The same worker without the assembled-context memory tier: hits come from Redis.
  memoryOffUrl = await serve("worker context memory off", { ...vars, CONTEXT_MEMORY_BYTES: "0" });
}, 180_000);

afterAll(() => cleanup.run(), 30_000);

describe("round trips of a cached read (issue 11)", () => {
  it("an API key: first request one database query for the principal; then 0 queries and 1 Upstash request per list and detail", async () => {
    const { owner } = await tenant();
    const { key } = await createKey(owner);
    const headers = { "X-API-Key": key };
    // The pages are cached by someone else first: they are shared by every non-admin reader.
    for (const path of ["/api/marketplace/items?limit=5", `/api/marketplace/items/${itemId}`]) {
      expect((await roundTripsOf(() => get(path, owner))).result.status).toBe(200);
    }
    const cold = await roundTripsOf(() => get("/api/marketplace/items?limit=5", headers));
    expect(cold.result.status).toBe(200);
    expect(cold.result.headers.get("x-cache")).toBe("hit");
    // One principal query, plus last_used_at written after the response (waitUntil); two Upstash
    // requests: the script (principal missing), then the principal stored and the script again.
    expect(cold.trips).toEqual({ database: 2, upstash: 2 });

    for (const path of ["/api/marketplace/items?limit=5", `/api/marketplace/items/${itemId}`]) {
      const warm = await roundTripsOf(() => get(path, headers));
      expect(warm.result.status).toBe(200);
      expect(warm.result.headers.get("x-cache")).toBe("hit");
      expect(warm.result.headers.get("ratelimit-limit")).toBe("100000");
      expect(warm.trips, path).toEqual({ database: 0, upstash: 1 });
    }
  }, 60_000);

  it("a Clerk JWT with X-Workspace-ID: 0 queries and 1 Upstash request per cached list and detail once warm", async () => {
    const { owner, member } = await tenant();
    for (const path of ["/api/marketplace/items?limit=7", `/api/marketplace/items/${itemId}`]) {
      expect((await roundTripsOf(() => get(path, owner))).result.status).toBe(200);
    }
    // The member's user entry is warm (tenant() made a request); the membership is not: one query
    // for it, and its entry written after the response, next to the one script call.
    const cold = await roundTripsOf(() => get("/api/marketplace/items?limit=7", member));
    expect(cold.result.status).toBe(200);
    expect(cold.trips).toEqual({ database: 1, upstash: 2 });
    for (const path of ["/api/marketplace/items?limit=7", `/api/marketplace/items/${itemId}`]) {
      const warm = await roundTripsOf(() => get(path, member));
      expect(warm.result.status).toBe(200);
      expect(warm.result.headers.get("x-cache")).toBe("hit");
      expect(warm.trips, path).toEqual({ database: 0, upstash: 1 });
    }
  }, 60_000);
});

describe("round trips of a cached plugin read (issue 15 item 1)", () => {
  it("an API key: 0 queries and 1 Upstash request per cached plugin list, detail and categories", async () => {
    const pluginId = await withDrizzle(bindings.DATABASE_URL, async (db) => {
      const slug = `rt-plugin-${Date.now()}`;
      const plugin = await db.execute<{ id: string }>(
        sql`insert into marketplace_plugins (slug, name, name_skeleton, description, actor_type) values (${slug}, ${`Round trip ${slug}`}, ${nameSkeleton(`Round trip ${slug}`)}, 'Counted reads', 'system') returning id`,
      );
      const id = plugin.rows[0]!.id;
      const version = await db.execute<{ id: string }>(
        sql`insert into plugin_versions (plugin_id, version, storage_prefix, manifest, bundle_sha256, bundle_size_bytes, file_count, security_status, approval_status, approved_at, actor_type)
            values (${id}, '1.0.0', ${`plugins/${slug}/1.0.0/`}, '{}'::jsonb, ${"b".repeat(64)}, 1, 1, 'safe', 'approved', now(), 'system') returning id`,
      );
      await db.execute(sql`update marketplace_plugins set latest_version_id = ${version.rows[0]!.id} where id = ${id}`);
      return id;
    });
    const { owner } = await tenant();
    const { key } = await createKey(owner);
    const headers = { "X-API-Key": key };
    const paths = ["/api/marketplace/plugins?limit=5", `/api/marketplace/plugins/${pluginId}`, "/api/marketplace/plugins/categories"];
    for (const path of paths) expect((await roundTripsOf(() => get(path, owner))).result.status).toBe(200);
    await roundTripsOf(() => get(paths[0]!, headers)); // the key's principal is cached
    for (const path of paths) {
      const warm = await roundTripsOf(() => get(path, headers));
      expect(warm.result.status).toBe(200);
      expect(warm.result.headers.get("x-cache")).toBe("hit");
      expect(warm.trips, path).toEqual({ database: 0, upstash: 1 });
    }
  }, 60_000);
});

describe("changes take effect on the next request with a warm cache (issue 11 item 1)", () => {
  it("a revoked key is refused at once", async () => {
    const { owner } = await tenant();
    const { id, key } = await createKey(owner);
    // Settled, so the page and the principal are stored (waitUntil) before the counted request.
    await roundTripsOf(() => get("/api/marketplace/items", { "X-API-Key": key }));
    const warm = await roundTripsOf(() => get("/api/marketplace/items", { "X-API-Key": key }));
    expect(warm.trips.database).toBe(0);
    expect((await send("DELETE", `/api/api-keys/${id}`, owner)).status).toBe(204);
    const after = await get("/api/marketplace/items", { "X-API-Key": key });
    expect(after.status).toBe(401);
    expect(await code(after)).toBe("api_key_revoked");
  }, 60_000);

  it("a demoted member loses the role and their keys at once", async () => {
    const { owner, member, memberId } = await tenant();
    const { key } = await createKey(member);
    await roundTripsOf(() => get("/api/api-keys", { "X-API-Key": key }));
    await roundTripsOf(() => get("/api/api-keys", member));
    expect((await roundTripsOf(() => get("/api/api-keys", member))).result.status).toBe(200);
    expect((await send("PATCH", `/api/workspaces/${owner["X-Workspace-ID"]}/members/${memberId}`, owner, { role: "viewer" })).status).toBe(200);
    const asMember = await get("/api/api-keys", member);
    expect(asMember.status).toBe(403);
    expect(await code(asMember)).toBe("insufficient_role");
    const withKey = await get("/api/api-keys", { "X-API-Key": key });
    expect(withKey.status).toBe(401);
  }, 60_000);

  it("a removed member is refused in the workspace at once", async () => {
    const { owner, member, memberId } = await tenant();
    await roundTripsOf(() => get("/api/marketplace/items", member));
    const warm = await roundTripsOf(() => get("/api/marketplace/items", member));
    expect(warm.trips.database).toBe(0);
    expect((await send("DELETE", `/api/workspaces/${owner["X-Workspace-ID"]}/members/${memberId}`, owner)).status).toBe(200);
    const after = await get("/api/marketplace/items", member);
    expect(after.status).toBe(404);
    expect(await code(after)).toBe("workspace_not_found");
  }, 60_000);
});

describe("Redis unreachable (issue 11 item 3)", () => {
  it("authenticates from the database; limits still hold in the isolate's own window (issue 26 item 4), so a 1/min key gets one request", async () => {
    const { owner } = await tenant();
    const { key } = await createKey(owner, { rate_limit_per_minute: 1 });
    // Until issue 26 this refused nothing (fail-open); now the isolate-local window keeps the limit.
    const first = await get("/api/marketplace/items?limit=3", { "X-API-Key": key }, downUrl);
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("1");
    await first.arrayBuffer();
    for (let i = 0; i < 2; i++) {
      const refused = await get("/api/marketplace/items?limit=3", { "X-API-Key": key }, downUrl);
      expect(refused.status).toBe(429);
      expect(await code(refused)).toBe("rate_limited");
    }
    const member = await get("/api/marketplace/items?limit=3", owner, downUrl);
    expect(member.status).toBe(200);
  }, 60_000);
});

describe("round trips of a cached assembled context (issue 15 item 6)", () => {
  it("a memory hit: 1 primary-key query and 1 Upstash request in parallel (the gate's script and the catalog tag, pipelined), no body over the network; a Redis hit: the query and 2 requests, with the body; Redis down: 200", async () => {
    const { owner } = await tenant();
    // A persona prompt of 9,000 random hex digits: it compresses only about twofold, so a reply
    // carrying the (gzip-compressed) body stays easy to tell apart from one that does not. Random
    // hex is priced near cl100k's real count (about 0.7 tokens a digit), so it stays within the
    // default budget of 8,192 tokens.
    // In lines of 96 digits: a line over 4,096 characters would be escaped (src/domain/prompt-text.ts).
    const hex = Array.from(crypto.getRandomValues(new Uint8Array(4_500)), (b) => b.toString(16).padStart(2, "0")).join("");
    const persona = `Counted\n${hex.replace(/(.{96})/g, "$1\n").trimEnd()}`;
    const created = await send("POST", "/api/agents", owner, { name: `Context agent ${Date.now()}`, details: { model_config: { model_id: "rt-model" }, persona_prompt: persona } });
    expect(created.status).toBe(201);
    const agent = (await created.json()) as { id: string };
    const path = `/api/agents/${agent.id}/assembled-context`;
    expect((await roundTripsOf(() => get(path, owner))).result.headers.get("x-cache")).toBe("miss");

    const memoryHit = await roundTripsOf(() => get(path, owner));
    expect(memoryHit.result.status).toBe(200);
    expect(memoryHit.result.headers.get("x-cache")).toBe("hit");
    expect(memoryHit.result.headers.get("x-cache-tier")).toBe("memory");
    expect(((await memoryHit.result.json()) as { system_prompt: string }).system_prompt).toBe(`## Persona\n${persona}`);
    // The gate started the tag read next to its own script (the isolate knows the key's workspace
    // now), and the client pipelines the two commands into one HTTP request. The one query is the
    // safety generations (design.md §29: takedowns and workspace writes are checked in PostgreSQL,
    // so a lost Redis write cannot leave a context served), started beside that request.
    expect(memoryHit.trips).toEqual({ database: 1, upstash: 1 });
    expect(memoryHit.upstashBytes).toBeLessThan(3_000);

    // Another isolate, without the memory tier, reads the same entry from Redis after the gate, the
    // safety generations' query beside that read.
    const redisHit = await roundTripsOf(() => get(path, owner, memoryOffUrl));
    expect(redisHit.result.headers.get("x-cache-tier")).toBe("redis");
    expect(((await redisHit.result.json()) as { system_prompt: string }).system_prompt).toBe(`## Persona\n${persona}`);
    expect(redisHit.trips).toEqual({ database: 1, upstash: 2 });
    expect(redisHit.upstashBytes).toBeGreaterThan(persona.length / 2);

    const down = await get(path, owner, downUrl);
    expect(down.status).toBe(200);
    expect(down.headers.get("x-cache")).toBe("miss");
  }, 60_000);
});
