// @module-tag pglite (issue 26 item 4: the context cache and its generations, read from the database, with a real redis-server refusing writes)
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { bumpWorkspaceGenerations } from "../../src/db/queries/generations";
import type { Bindings } from "../../src/env";
import { CONTEXT_BYTES_FIELD, CONTEXT_ENTRY_OVERHEAD_BYTES, contextEntriesKey, contextOrderKey } from "../../src/services/plugins/context-cache";
import { callWithEnv, DEAD_URL } from "../helpers/app";
import { useDatabase } from "../helpers/db";
import { api, jsonRequest } from "../helpers/http";
import { adminHeaders } from "../publishing/helpers";
import { approvedPlugin, enableAndAssign, tenantWithAgent, type AssembledContext } from "./in-use-helpers";
import { rawRedis as redis } from "../helpers/cache";

// Issue 26 item 4: one tenant cannot fill the shared cache. Before, every distinct `budget` was its
// own ~33 KB Redis entry with no bound per workspace, so 95 requests filled Redis's slack. Now an
// agent has ONE Redis entry (the budget-free parts, from which every budget is rendered), and a
// workspace's entries weigh at most CONTEXT_CACHE_WORKSPACE_BYTES, the oldest dropped first, by one
// atomic script (services/plugins/context-cache.ts). Real Redis throughout (the suite's, read raw
// through its Upstash endpoint). Serial (test/suite-layout.ts): it asserts cache hits.

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

type Tenant = Awaited<ReturnType<typeof tenantWithAgent>>;


/** The workspace's stored contexts: agent id → stored value, and the `#bytes` the script keeps. */
async function storedContexts(workspaceId: string): Promise<{ entries: Map<string, string>; counted: number; weight: number }> {
  const flat = (await redis("HGETALL", contextEntriesKey(workspaceId))) as string[];
  const entries = new Map<string, string>();
  let counted = 0;
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] === CONTEXT_BYTES_FIELD) counted = Number(flat[i + 1]);
    else entries.set(flat[i]!, flat[i + 1]!);
  }
  // Field and value are ASCII (a UUID, JSON of base64): characters are bytes.
  const weight = [...entries].reduce((sum, [field, value]) => sum + field.length + value.length + CONTEXT_ENTRY_OVERHEAD_BYTES, 0);
  return { entries, counted, weight };
}

/** The agent's context through a fresh app with `overrides`, its deferred Redis store finished. */
async function read(t: { headers: Record<string, string> }, agentId: string, overrides: Partial<Bindings> = {}, budget?: number) {
  const response = await callWithEnv(`/api/agents/${agentId}/assembled-context${budget === undefined ? "" : `?budget=${budget}`}`, overrides, { headers: t.headers });
  const text = await response.text();
  return { status: response.status, cache: response.headers.get("x-cache"), tier: response.headers.get("x-cache-tier"), text };
}

/** `count` more agents in the tenant's workspace, each with a persona of `hexChars` random hex digits (compresses about twofold). */
async function moreAgents(t: Tenant, count: number, hexChars: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const persona = Array.from(crypto.getRandomValues(new Uint8Array(hexChars / 2)), (b) => b.toString(16).padStart(2, "0")).join("");
    const created = await api("/api/agents", jsonRequest("POST", { name: `Agent ${crypto.randomUUID()}`, details: { model_config: { model_id: "model-a" }, persona_prompt: persona } }, t.headers));
    expect(created.status).toBe(201);
    ids.push(((await created.json()) as { id: string }).id);
  }
  return ids;
}

describe("entries per agent (happy): every budget is rendered from the agent's one entry", () => {
  it("100 distinct budgets for one agent make 1 Redis entry, and each answer is what a fresh assembly gives for that budget", async () => {
    const plugins = [await approvedPlugin(admin), await approvedPlugin(admin)];
    const tenant = await tenantWithAgent(db(), { persona: "Bounded persona." });
    await enableAndAssign(tenant, plugins.map((p) => p.plugin_id));
    const budgets = Array.from({ length: 100 }, (_, i) => 30 + 7 * i);

    const first = await read(tenant, tenant.agentId, {}, budgets[0]);
    expect([first.status, first.cache]).toEqual([200, "miss"]);
    const answers = new Map<number, string>([[budgets[0]!, first.text]]);
    for (const budget of budgets.slice(1)) {
      const answer = await read(tenant, tenant.agentId, {}, budget);
      expect(answer.status).toBe(200);
      // Rendered from the agent's Redis entry, never assembled again.
      expect([answer.cache, answer.tier], String(budget)).toEqual(["hit", "redis"]);
      expect((JSON.parse(answer.text) as AssembledContext).budget).toBe(budget);
      answers.set(budget, answer.text);
    }
    // The default budget too.
    expect((await read(tenant, tenant.agentId)).tier).toBe("redis");

    // N = 1: the workspace's hash holds one entry, and no other key names the agent.
    const { entries } = await storedContexts(tenant.workspace.id);
    expect([...entries.keys()]).toEqual([tenant.agentId]);
    expect(await redis("KEYS", `*${tenant.agentId}*`)).toEqual([]);
    expect(await redis("ZCARD", contextOrderKey(tenant.workspace.id))).toBe(1);

    // Budgets matter (some leave plugins out or summarised, some hold them in full), and each
    // answer is byte for byte the one a fresh assembly (no cache at all) gives.
    const inclusions = new Set([...answers.values()].flatMap((text) => (JSON.parse(text) as AssembledContext).plugins.map((p) => p.included)));
    expect(inclusions).toContain("full");
    expect(inclusions.size).toBeGreaterThan(1);
    for (const budget of budgets.filter((_, i) => i % 9 === 0)) {
      const fresh = await read(tenant, tenant.agentId, { UPSTASH_REDIS_REST_URL: DEAD_URL, CACHE_TIMEOUT_MS: "200" }, budget);
      expect(fresh.cache).toBe("miss");
      expect(answers.get(budget), String(budget)).toBe(fresh.text);
    }
  }, 90_000);

  it("a budget too small for the persona is 400 budget_too_small from the cached entry as from a fresh assembly", async () => {
    const tenant = await tenantWithAgent(db(), { persona: "A persona prompt that needs more than three tokens." });
    expect((await read(tenant, tenant.agentId)).status).toBe(200);
    const refused = await read(tenant, tenant.agentId, {}, 3);
    expect(refused.status).toBe(400);
    expect((JSON.parse(refused.text) as { code: string }).code).toBe("budget_too_small");
    // The entry stays: the next budget is a hit.
    expect((await read(tenant, tenant.agentId, {}, 5000)).tier).toBe("redis");
  });
});

describe("bytes per workspace (security): one workspace cannot store more than its byte budget", () => {
  const BUDGET = 6_000;
  const bounded: Partial<Bindings> = { CONTEXT_CACHE_WORKSPACE_BYTES: String(BUDGET), CONTEXT_MEMORY_BYTES: "0" };

  it("the oldest entries are dropped so that the workspace never holds more than its budget, and the weight kept is exact", async () => {
    const tenant = await tenantWithAgent(db());
    // Each entry weighs about 1.3 KB: the budget holds four.
    const agents = await moreAgents(tenant, 8, 1_500);
    for (const [i, agentId] of agents.entries()) {
      expect((await read(tenant, agentId, bounded)).cache).toBe("miss");
      const stored = await storedContexts(tenant.workspace.id);
      expect(stored.weight, `after agent ${i}`).toBeLessThanOrEqual(BUDGET);
      expect(stored.counted).toBe(stored.weight);
      expect(stored.entries.has(agentId)).toBe(true);
    }
    const { entries } = await storedContexts(tenant.workspace.id);
    expect(entries.size).toBeGreaterThanOrEqual(3);
    expect(entries.size).toBeLessThan(agents.length);
    // The ones kept are the most recent.
    expect([...entries.keys()].sort()).toEqual(agents.slice(-entries.size).sort());
    // A dropped agent's read computes again, and is stored again (dropping the now oldest).
    expect((await read(tenant, agents[0]!, bounded)).cache).toBe("miss");
    expect((await storedContexts(tenant.workspace.id)).entries.has(agents[0]!)).toBe(true);
  });

  it("holds under concurrency: 20 rounds of 8 concurrent stores never exceed the budget or lose count", async () => {
    const tenant = await tenantWithAgent(db());
    const agents = await moreAgents(tenant, 8, 1_500);
    for (let round = 0; round < 20; round++) {
      // Every entry of the workspace goes stale (as any agent edit makes it), so each read stores.
      await bumpWorkspaceGenerations(db(), [tenant.workspace.id]);
      const reads = await Promise.all(agents.map((agentId) => read(tenant, agentId, bounded)));
      expect(reads.map((r) => r.status)).toEqual(agents.map(() => 200));
      const stored = await storedContexts(tenant.workspace.id);
      expect(stored.weight, `round ${round}`).toBeLessThanOrEqual(BUDGET);
      expect(stored.counted, `round ${round}`).toBe(stored.weight);
      expect(stored.entries.size).toBeGreaterThan(0);
      expect(await redis("ZCARD", contextOrderKey(tenant.workspace.id))).toBe(stored.entries.size);
    }
  }, 90_000);

  it("an entry over the whole budget is not stored (its reads compute), and the workspace's other entries stay", async () => {
    const tenant = await tenantWithAgent(db());
    const [small] = await moreAgents(tenant, 1, 1_000);
    const [huge] = await moreAgents(tenant, 1, 20_000);
    await read(tenant, small!, bounded);
    const before = await storedContexts(tenant.workspace.id);
    expect(before.entries.has(small!)).toBe(true);
    // A budget the persona fits in (the default, the model's window, may be too small for it).
    for (let i = 0; i < 2; i++) expect((await read(tenant, huge!, bounded, 1_000_000)).cache).toBe("miss");
    const after = await storedContexts(tenant.workspace.id);
    expect(after.entries.has(huge!)).toBe(false);
    expect(after.entries).toEqual(before.entries);
    expect(after.counted).toBe(after.weight);
  });

  it("one workspace filling its budget never drops another workspace's entries", async () => {
    const other = await tenantWithAgent(db(), { persona: "Another tenant." });
    expect((await read(other, other.agentId, bounded)).cache).toBe("miss");
    const flooder = await tenantWithAgent(db());
    for (const agentId of await moreAgents(flooder, 6, 1_500)) await read(flooder, agentId, bounded);
    expect((await storedContexts(flooder.workspace.id)).weight).toBeLessThanOrEqual(BUDGET);
    expect((await storedContexts(other.workspace.id)).entries.has(other.agentId)).toBe(true);
    expect((await read(other, other.agentId, bounded)).tier).toBe("redis");
  });
});
