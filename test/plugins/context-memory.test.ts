import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createCache } from "../../src/clients/cache";
import { createLogger } from "../../src/lib/logger";
import type { Cache } from "../../src/clients/cache";
import { bumpTakedownGeneration, bumpWorkspaceGenerations } from "../../src/db/queries/generations";
import { cachedAssembledContext, contextEntriesKey, contextMemoryKey, type ContextCacheDeps } from "../../src/services/plugins/context-cache";
import { contextMemoryBytes, ContextMemory, DEFAULT_CONTEXT_MEMORY_BYTES } from "../../src/services/plugins/context-memory";
import { CATALOG_GENERATION_KEY, invalidateCatalog } from "../../src/services/catalog-cache";
import { DEAD_URL } from "../helpers/app";
import { useDatabase } from "../helpers/db";
import { createWorkspace } from "../helpers/factories";

// Issue 15 item 6: the isolate-memory tier in front of the Redis entries of assembled contexts,
// against the real Redis (through the Upstash endpoint), the real safety generations in
// PostgreSQL (design.md §29) and the real counters.

const clients = useDatabase();
const cache = () => createCache(env, createLogger({}));
const deadCache = () => createCache({ ...env, UPSTASH_REDIS_REST_URL: DEAD_URL, CACHE_TIMEOUT_MS: "200" }, createLogger({}));
/** What the route passes: the cache and the database the safety generations are read from. */
const deps = (from: Cache = cache()): ContextCacheDeps => ({ cache: from, db: clients.http });
/** A workspace row, so its generation can be bumped (workspace_generations references workspaces). */
const workspace = async () => (await createWorkspace(clients.pool)).workspace.id;

/** A compute function that counts its calls and answers `{n}` for the n-th. */
function counter() {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    compute: async () => ({ n: ++calls }),
  };
}

/** Collects deferred work so a test can wait for the Redis write, as waitUntil would. */
function deferred() {
  const pending: Promise<unknown>[] = [];
  return { defer: (work: Promise<unknown>) => void pending.push(work), settle: () => Promise.all(pending.splice(0)) };
}

describe("ContextMemory (happy)", () => {
  it("serves a body only under the tag it was stored with", () => {
    const memory = new ContextMemory(1024);
    memory.set("k", "1:1", "body");
    expect(memory.get("k", "1:1")).toBe("body");
    expect(memory.get("k", "1:2")).toBeUndefined();
    expect(memory.tagOf("k")).toBe("1:1");
    expect(memory.get("other", "1:1")).toBeUndefined();
  });

  it("evicts the least recently used entries beyond its byte budget (2 bytes per UTF-16 unit)", () => {
    // Each entry: key 1 + tag 3 + body 46 = 50 units = 100 bytes; the budget holds two.
    const memory = new ContextMemory(200);
    const body = "x".repeat(46);
    memory.set("a", "0:0", body);
    memory.set("b", "0:0", body);
    expect(memory.size).toBe(200);
    expect(memory.get("a", "0:0")).toBe(body); // a is now the most recent
    memory.set("c", "0:0", body);
    expect(memory.get("b", "0:0")).toBeUndefined();
    expect(memory.get("a", "0:0")).toBe(body);
    expect(memory.get("c", "0:0")).toBe(body);
    expect(memory.size).toBe(200);
  });

  it("replaces an entry in place, refuses a body over the whole budget, and shrinks on resize", () => {
    const memory = new ContextMemory(200);
    memory.set("a", "0:0", "x".repeat(46));
    memory.set("a", "0:1", "y");
    expect(memory.size).toBe((1 + 3 + 1) * 2);
    expect(memory.get("a", "0:1")).toBe("y");
    memory.set("big", "0:0", "z".repeat(200));
    expect(memory.get("big", "0:0")).toBeUndefined();
    expect(memory.size).toBe(10);
    memory.resize(0);
    expect(memory.size).toBe(0);
    expect(memory.get("a", "0:1")).toBeUndefined();
  });
});

describe("ContextMemory (errors): CONTEXT_MEMORY_BYTES", () => {
  it("accepts integers 0–64 MiB and falls back to 16 MiB for anything else", () => {
    expect(DEFAULT_CONTEXT_MEMORY_BYTES).toBe(16 * 1024 * 1024);
    expect(contextMemoryBytes(undefined)).toBe(DEFAULT_CONTEXT_MEMORY_BYTES);
    expect(contextMemoryBytes("0")).toBe(0);
    expect(contextMemoryBytes("1048576")).toBe(1048576);
    expect(contextMemoryBytes(String(64 * 1024 * 1024))).toBe(64 * 1024 * 1024);
    for (const bad of ["", "-1", "1.5", "abc", String(64 * 1024 * 1024 + 1)]) expect(contextMemoryBytes(bad), bad).toBe(DEFAULT_CONTEXT_MEMORY_BYTES);
  });
});

describe("cachedAssembledContext: the memory tier over Redis", () => {
  it("computes once, then serves from memory; a fresh isolate reads Redis; a workspace generation bump in PostgreSQL makes both stale", async () => {
    const workspaceId = await workspace();
    const agentId = crypto.randomUUID();
    const counted = counter();
    const work = deferred();
    const memory = new ContextMemory(1024 * 1024);
    const read = (tier: ContextMemory) => cachedAssembledContext(deps(), tier, workspaceId, agentId, 100, counted.compute, work.defer);

    expect(await read(memory)).toEqual({ body: '{"n":1}', source: "computed" });
    await work.settle();
    expect(await read(memory)).toEqual({ body: '{"n":1}', source: "memory" });
    // Another isolate (an empty memory) finds the Redis entry and keeps a copy.
    const other = new ContextMemory(1024 * 1024);
    expect(await read(other)).toEqual({ body: '{"n":1}', source: "redis" });
    expect(await read(other)).toEqual({ body: '{"n":1}', source: "memory" });
    expect(counted.calls).toBe(1);

    // What every transaction changing an input of the workspace's contexts does (design.md §29).
    await bumpWorkspaceGenerations(clients.pool, [workspaceId]);
    expect(await read(memory)).toEqual({ body: '{"n":2}', source: "computed" });
    await work.settle();
    // The other isolate's copy is stale too: its catalog part is current, so it fetches the Redis
    // entry the first isolate stored under the new tag, never serving its old body.
    expect(await read(other)).toEqual({ body: '{"n":2}', source: "redis" });
    expect(counted.calls).toBe(2);
  });

  it("a takedown generation bump makes every workspace's entries stale in both tiers", async () => {
    const [a, b] = [await workspace(), await workspace()];
    const agentId = crypto.randomUUID();
    const counted = counter();
    const work = deferred();
    const memory = new ContextMemory(1024 * 1024);
    const read = (workspaceId: string, tier = memory) => cachedAssembledContext(deps(), tier, workspaceId, agentId, undefined, counted.compute, work.defer);
    for (const id of [a, b]) expect((await read(id)).source).toBe("computed");
    await work.settle();
    for (const id of [a, b]) expect((await read(id)).source).toBe("memory");
    // What the status service and plugin deactivate, reactivate and delete do in their transaction.
    await bumpTakedownGeneration(clients.pool);
    for (const id of [a, b]) expect((await read(id, new ContextMemory(1024 * 1024))).source).toBe("computed");
    await work.settle();
    // The first memory's copies are stale: each takes the entry just stored under the new tag.
    for (const id of [a, b]) expect((await read(id)).source).toBe("redis");
    expect(counted.calls).toBe(4);
  });

  it("a memory copy under the current tag is served even after the Redis entry is gone (the tag, not the entry, decides)", async () => {
    const workspaceId = crypto.randomUUID();
    const agentId = crypto.randomUUID();
    const counted = counter();
    const work = deferred();
    const memory = new ContextMemory(1024 * 1024);
    await cachedAssembledContext(deps(), memory, workspaceId, agentId, undefined, counted.compute, work.defer);
    await work.settle();
    await cache().redis!.hdel(contextEntriesKey(workspaceId), agentId);
    expect((await cachedAssembledContext(deps(), memory, workspaceId, agentId, undefined, counted.compute, work.defer)).source).toBe("memory");
    expect(counted.calls).toBe(1);
  });
});

describe("cachedAssembledContext: errors", () => {
  it("with Redis unreachable, memory is not consulted (its copies cannot be checked): every read computes", async () => {
    const workspaceId = crypto.randomUUID();
    const agentId = crypto.randomUUID();
    const counted = counter();
    const memory = new ContextMemory(1024 * 1024);
    memory.set(contextMemoryKey(workspaceId, agentId, undefined), "0:0", '{"stale":true}');
    const first = await cachedAssembledContext(deps(deadCache()), memory, workspaceId, agentId, undefined, counted.compute, () => {});
    const second = await cachedAssembledContext(deps(deadCache()), memory, workspaceId, agentId, undefined, counted.compute, () => {});
    expect([first, second]).toEqual([
      { body: '{"n":1}', source: "computed" },
      { body: '{"n":2}', source: "computed" },
    ]);
  });

  it("a failed computation is neither kept in memory nor stored in Redis", async () => {
    const workspaceId = crypto.randomUUID();
    const agentId = crypto.randomUUID();
    const memory = new ContextMemory(1024 * 1024);
    const work = deferred();
    const failing = async () => {
      throw new Error("no such agent");
    };
    await expect(cachedAssembledContext(deps(), memory, workspaceId, agentId, undefined, failing, work.defer)).rejects.toThrow("no such agent");
    await work.settle();
    expect(memory.size).toBe(0);
    expect(await cache().redis!.hget(contextEntriesKey(workspaceId), agentId)).toBeNull();
  });
});

describe("cachedAssembledContext: security", () => {
  it("entries are per workspace: the same agent id under another workspace never gets the first one's body", async () => {
    const agentId = crypto.randomUUID();
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    const memory = new ContextMemory(1024 * 1024);
    const work = deferred();
    const first = await cachedAssembledContext(deps(), memory, a, agentId, undefined, async () => ({ owner: "a" }), work.defer);
    await work.settle();
    const second = await cachedAssembledContext(deps(), memory, b, agentId, undefined, async () => ({ owner: "b" }), work.defer);
    expect(first.body).toBe('{"owner":"a"}');
    expect(second).toEqual({ body: '{"owner":"b"}', source: "computed" });
  });
});

describe("cachedAssembledContext: the safety generations live in PostgreSQL, not in Redis", () => {
  it("an entry built before a workspace write is served by neither tier, though Redis never heard of the write", async () => {
    const workspaceId = await workspace();
    const agentId = crypto.randomUUID();
    const counted = counter();
    const work = deferred();
    const memory = new ContextMemory(1024 * 1024);
    const read = (tier = memory) => cachedAssembledContext(deps(), tier, workspaceId, agentId, undefined, counted.compute, work.defer);
    expect((await read()).source).toBe("computed");
    await work.settle();
    await bumpWorkspaceGenerations(clients.pool, [workspaceId]);
    // Redis never saw the write: no key of it exists there to lose, evict or refuse. The old Redis
    // entry is not served to a fresh isolate, nor the old memory copy to this one (which takes
    // the entry the fresh isolate stored under the new tag).
    expect(await read(new ContextMemory(1024 * 1024))).toEqual({ body: '{"n":2}', source: "computed" });
    await work.settle();
    expect(await read(memory)).toEqual({ body: '{"n":2}', source: "redis" });
  });

  it("a workspace's bump leaves other workspaces' entries current", async () => {
    const [a, b] = [await workspace(), await workspace()];
    const agentId = crypto.randomUUID();
    const work = deferred();
    const memory = new ContextMemory(1024 * 1024);
    const counted = counter();
    const read = (workspaceId: string) => cachedAssembledContext(deps(), memory, workspaceId, agentId, undefined, counted.compute, work.defer);
    for (const id of [a, b]) await read(id);
    await work.settle();
    await bumpWorkspaceGenerations(clients.pool, [a]);
    expect((await read(a)).source).toBe("computed");
    expect((await read(b)).source).toBe("memory");
  });
});

describe("cachedAssembledContext: the catalog generation survives eviction", () => {
  it("an entry built while the catalog key was absent is revived by neither tier when the key is evicted after a catalog write", async () => {
    const workspaceId = crypto.randomUUID();
    const agentId = crypto.randomUUID();
    const counted = counter();
    const work = deferred();
    const memory = new ContextMemory(1024 * 1024);
    const read = (from = memory) => cachedAssembledContext(deps(), from, workspaceId, agentId, undefined, counted.compute, work.defer);
    // Absent, as a counter would read 0: the entry is built under a token the script draws.
    await cache().del(CATALOG_GENERATION_KEY);
    expect((await read()).source).toBe("computed");
    await work.settle();
    expect((await read(new ContextMemory(0))).source).toBe("redis");
    // A catalog write, then Redis drops the key: a counter would read 0 again and match the entry.
    await invalidateCatalog(cache());
    await cache().del(CATALOG_GENERATION_KEY);
    // The memory copy and the Redis entry both carry the old tag: neither is served.
    expect(await read()).toEqual({ body: '{"n":2}', source: "computed" });
  });
});

describe("cachedAssembledContext: Redis entries are gzip-compressed", () => {
  it("stores the body compressed, and recomputes over an entry that does not decode", async () => {
    const workspaceId = crypto.randomUUID();
    const agentId = crypto.randomUUID();
    const work = deferred();
    const prose = { text: "Explain the risk in one sentence. ".repeat(3_000) };
    await cachedAssembledContext(deps(), new ContextMemory(0), workspaceId, agentId, undefined, async () => prose, work.defer);
    await work.settle();
    const stored = await cache().redis!.hget<{ tag: string; gzip: string }>(contextEntriesKey(workspaceId), agentId);
    expect(typeof stored?.gzip).toBe("string");
    expect(stored!.gzip.length).toBeLessThan(JSON.stringify(prose).length / 10);
    expect((await cachedAssembledContext(deps(), new ContextMemory(0), workspaceId, agentId, undefined, async () => ({ again: true }), work.defer)).source).toBe("redis");

    await cache().redis!.hset(contextEntriesKey(workspaceId), { [agentId]: { tag: stored!.tag, gzip: "bm90IGd6aXA=" } });
    const counted = counter();
    expect(await cachedAssembledContext(deps(), new ContextMemory(0), workspaceId, agentId, undefined, counted.compute, work.defer)).toEqual({ body: '{"n":1}', source: "computed" });
    await work.settle();
    expect((await cachedAssembledContext(deps(), new ContextMemory(0), workspaceId, agentId, undefined, counted.compute, work.defer)).body).toBe('{"n":1}');
  });
});
