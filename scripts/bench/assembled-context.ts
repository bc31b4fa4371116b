import { Redis } from "@upstash/redis";
import { eq } from "drizzle-orm";
import { strToU8, zipSync } from "fflate";
import { bumpWorkspaceGenerations } from "../../src/db/queries/generations";
import * as schema from "../../src/db/schema";
import { nameSkeleton } from "../../src/domain/names";
import { displayPrefix, generateApiKey, hashApiKey } from "../../src/services/auth/api-key-format";
import { pluginContentKey } from "../../src/services/plugins/content";
import { signDevToken, withDrizzle } from "../stack/dev-auth";
import { LoadError } from "./load";

// Issue 15 item 6: assembled-context latency for an agent with 5 plugins of 50 KB each, with the
// plugin content cache and the assembled-context cache cold (every request queries the database
// and reads R2) and warm (the whole answer from the isolate's memory or from Redis), sequential.

export const CONTEXT_PLUGINS = 5;
export const PLUGIN_TEXT_BYTES = 50 * 1024;
const RATE_LIMIT = 100_000_000;
const BENCH_BUDGET = 1_000_000;

export interface ContextRun {
  plugins: number;
  pluginBytes: number;
  requests: number;
  miss: { p50: number; p99: number };
  missContentWarm: { p50: number; p99: number };
  hitRedis: { p50: number; p99: number };
  /** /__bench/floor with a canned body of the context's size: the gate's script, no cache read. */
  floor: { p50: number; p99: number };
  bodyBytes: number;
  /** A hit in the production configuration (the isolate's memory). */
  hit: { p50: number; p99: number };
  /** Miss p50 over hit p50. */
  ratio: number;
  includedFull: number;
}

interface Fixture {
  adminToken: string;
  adminUserId: string;
  workspaceId: string;
  key: string;
  agentId: string;
  pluginIds: string[];
  contentKeys: string[];
}

/** About `bytes` of markdown prose, different per plugin so no two bundles share a hash. */
function prose(seed: string, bytes: number): string {
  const lines: string[] = [`# Guide ${seed}`];
  let size = lines[0]!.length;
  for (let i = 0; size < bytes; i++) {
    const line = `- Step ${i} of ${seed}: read the change, check each input for item ${i % 41}, and explain the risk in one sentence.`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join("\n");
}

function pluginZip(slug: string): Uint8Array {
  const manifest = { slug, name: `Bench ${slug}`, version: "1.0.0", description: "Benchmark plugin.", author: "bench", contents: { skills: ["skills/guide/SKILL.md"] } };
  return zipSync({
    "manifest.json": strToU8(JSON.stringify(manifest)),
    "skills/guide/SKILL.md": strToU8(`---\nname: ${slug}-guide\ndescription: Benchmark guide\n---\n${prose(slug, PLUGIN_TEXT_BYTES)}\n`),
  });
}

async function call(baseUrl: string, path: string, init: RequestInit, expected: number) {
  const response = await fetch(`${baseUrl}${path}`, init);
  const text = await response.text();
  if (response.status !== expected) throw new LoadError(`${init.method ?? "GET"} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** An admin uploads and approves 5 plugins; a workspace key enables them and assigns them to one agent. */
async function prepare(baseUrl: string, databaseUrl: string): Promise<Fixture> {
  const stamp = Date.now().toString(36);
  const { adminUserId, workspaceId, key, agentId } = await withDrizzle(databaseUrl, async (db) => {
    const [admin] = await db
      .insert(schema.users)
      .values({ clerkUserId: `user_bench_ctx_${stamp}`, email: `bench-ctx-${stamp}@example.test`, systemRole: "admin" })
      .returning();
    const [workspace] = await db.insert(schema.workspaces).values({ name: `Bench context ${stamp}`, slug: `bench-ctx-${stamp}` }).returning();
    const secret = generateApiKey();
    await db.insert(schema.apiKeys).values({
      workspaceId: workspace!.id,
      name: `bench-context-${stamp}`,
      prefix: displayPrefix(secret),
      keyHash: await hashApiKey(secret),
      scopes: ["plugins:enable", "items:read", "items:write", "catalog:read"],
      rateLimitPerMinute: RATE_LIMIT,
    });
    const name = `Bench context agent ${stamp}`;
    const [agent] = await db
      .insert(schema.items)
      .values({
        type: "agent",
        name,
        nameSkeleton: nameSkeleton(name),
        ownerType: "workspace",
        ownerId: workspace!.id,
        workspaceId: workspace!.id,
        details: { model_config: { model_id: "bench-model" }, persona_prompt: "You are the benchmark agent." },
        actorType: "system",
      })
      .returning();
    return { adminUserId: admin!.id, workspaceId: workspace!.id, key: secret, agentId: agent!.id };
  });
  const adminToken = await signDevToken({ sub: `user_bench_ctx_${stamp}` });
  const admin = { Authorization: `Bearer ${adminToken}` };
  const keyHeaders = { "X-API-Key": key, "content-type": "application/json" };
  const pluginIds: string[] = [];
  const contentKeys: string[] = [];
  for (let i = 0; i < CONTEXT_PLUGINS; i++) {
    const slug = `bench-ctx-${stamp}-${i}`;
    const form = new FormData();
    form.append("file", new File([pluginZip(slug)], "plugin.zip", { type: "application/zip" }));
    const uploaded = await call(baseUrl, "/api/admin/plugins/upload", { method: "POST", headers: admin, body: form }, 201);
    const pluginId = String(uploaded.plugin_id);
    await call(baseUrl, `/api/admin/plugins/${pluginId}/approve`, { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: "{}" }, 200);
    await call(baseUrl, `/api/workspaces/${workspaceId}/plugins`, { method: "POST", headers: keyHeaders, body: JSON.stringify({ plugin_id: pluginId }) }, 201);
    pluginIds.push(pluginId);
    contentKeys.push(pluginContentKey({ pluginId, version: "1.0.0", bundleSha256: String(uploaded.bundle_sha256) }));
  }
  await call(baseUrl, `/api/agents/${agentId}/plugins`, { method: "PUT", headers: keyHeaders, body: JSON.stringify({ plugin_ids: pluginIds }) }, 200);
  return { adminToken, adminUserId, workspaceId, key, agentId, pluginIds, contentKeys };
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timed(baseUrl: string, fixture: Fixture): Promise<{ ms: number; tier: string | null; body: { plugins: Array<{ included: string }> } }> {
  const t0 = performance.now();
  const response = await fetch(`${baseUrl}/api/agents/${fixture.agentId}/assembled-context?budget=${BENCH_BUDGET}`, { headers: { "X-API-Key": fixture.key } });
  const text = await response.text();
  const ms = performance.now() - t0;
  if (response.status !== 200) throw new LoadError(`assembled-context: ${response.status} ${text.slice(0, 300)}`);
  return { ms, tier: response.headers.get("x-cache-tier"), body: JSON.parse(text) as { plugins: Array<{ included: string }> } };
}

/** Deletes plugins (rows, R2 objects, cache entries) through the API, then the workspace and admin rows. */
async function cleanUp(baseUrl: string, databaseUrl: string, fixture: Fixture): Promise<void> {
  const admin = { Authorization: `Bearer ${fixture.adminToken}` };
  for (const id of fixture.pluginIds) await fetch(`${baseUrl}/api/admin/plugins/${id}`, { method: "DELETE", headers: admin }).then((r) => r.arrayBuffer());
  await withDrizzle(databaseUrl, async (db) => {
    await db.delete(schema.workspaces).where(eq(schema.workspaces.id, fixture.workspaceId));
    await db.delete(schema.users).where(eq(schema.users.id, fixture.adminUserId));
  });
}

async function series(requests: number, before: () => Promise<unknown>, read: () => Promise<{ ms: number }>): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    await before();
    times.push((await read()).ms);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/**
 * `requests` sequential reads per case, each case's preparation outside the timed request:
 * - miss: the workspace's context generation bumped in PostgreSQL (as any write to its contexts' inputs does, so neither tier may
 *   serve) and the plugin content cache emptied: database, R2 reads and token count;
 * - miss, content warm: only the generation bumped (database and token count, content from Redis);
 * - hit from Redis: a worker with the memory tier off (CONTEXT_MEMORY_BYTES=0);
 * - hit from memory: the production configuration.
 */
export async function benchAssembledContext(
  urls: { worker: string; memoryOff: string },
  databaseUrl: string,
  redis: { url: string; token: string },
  requests: number,
  log: (line: string) => void,
): Promise<ContextRun> {
  const fixture = await prepare(urls.worker, databaseUrl);
  const client = new Redis({ url: redis.url, token: redis.token });
  // The very bump a write in the workspace makes inside its transaction (design.md §29).
  const bump = () => withDrizzle(databaseUrl, (db) => bumpWorkspaceGenerations(db, [fixture.workspaceId]));
  const read = (url: string, tier?: string) => async () => {
    const result = await timed(url, fixture);
    if (tier && result.tier !== tier) throw new LoadError(`assembled-context: expected a ${tier} hit, got X-Cache-Tier ${result.tier ?? "none"}`);
    return result;
  };
  try {
    log(`assembled context: ${CONTEXT_PLUGINS} plugins × ${PLUGIN_TEXT_BYTES / 1024} KB, ${requests} requests per case`);
    const first = await timed(urls.worker, fixture); // warms the principal cache and the isolate
    const includedFull = first.body.plugins.filter((p) => p.included === "full").length;
    await timed(urls.memoryOff, fixture);
    const miss = await series(requests, () => Promise.all([bump(), client.del(...fixture.contentKeys)]), read(urls.worker));
    const missContentWarm = await series(requests, bump, read(urls.worker));
    await timed(urls.worker, fixture); // the entry for the current tag, in Redis and in memory
    const hitRedis = await series(requests, async () => {}, read(urls.memoryOff, "redis"));
    const hit = await series(requests, async () => {}, read(urls.worker, "memory"));
    const bodyBytes = new TextEncoder().encode(JSON.stringify(first.body)).length;
    const floor = await series(requests, async () => {}, async () => {
      const t0 = performance.now();
      const response = await fetch(`${urls.worker}/__bench/floor?bytes=${bodyBytes}`, { headers: { "X-API-Key": fixture.key } });
      const text = await response.text();
      if (response.status !== 200) throw new LoadError(`floor: ${response.status} ${text.slice(0, 300)}`);
      return { ms: performance.now() - t0 };
    });
    const run: ContextRun = {
      plugins: CONTEXT_PLUGINS,
      pluginBytes: PLUGIN_TEXT_BYTES,
      requests,
      miss,
      missContentWarm,
      hitRedis,
      hit,
      floor,
      bodyBytes,
      ratio: miss.p50 / Math.max(hit.p50, 0.001),
      includedFull,
    };
    const ms = (c: { p50: number; p99: number }) => `p50 ${c.p50.toFixed(1)} ms p99 ${c.p99.toFixed(1)} ms`;
    log(`  miss ${ms(miss)}; miss (content warm) ${ms(missContentWarm)}; hit from Redis ${ms(hitRedis)}; hit from memory ${ms(hit)}; floor ${ms(floor)}; ${run.ratio.toFixed(1)}× (target ≥ 5×)`);
    return run;
  } finally {
    await cleanUp(urls.worker, databaseUrl, fixture);
  }
}

export function renderContextSection(run: ContextRun): string {
  const ms = (n: number) => n.toFixed(1);
  const ratio = (c: { p50: number }, over: { p50: number }) => `${(c.p50 / Math.max(over.p50, 0.001)).toFixed(1)}×`;
  return [
    "## Assembled context (cache on)",
    "",
    `\`GET /api/agents/{id}/assembled-context\` for an agent with ${run.plugins} plugins of ${run.pluginBytes / 1024} KB of prose each (${run.includedFull} included in full), ${run.requests} sequential requests per case. Miss: the workspace's context generation bumped in PostgreSQL (as every write to the contexts' inputs does) and the plugin content cache emptied before each request (database, R2 reads, token count). Every read checks the safety generations with one primary-key query beside its Upstash read (design.md §29): a hit from memory makes 1 Upstash request (the access gate's script and the catalog tag read, pipelined) and that 1 query, a hit from Redis 2 Upstash requests (the gate's script, then the tag with the entry) and the 1 query.`,
    "",
    "| case | p50 ms | p99 ms | miss p50 / this p50 |",
    "| --- | --- | --- | --- |",
    `| cache miss (content cold) | ${ms(run.miss.p50)} | ${ms(run.miss.p99)} | 1.0× |`,
    `| cache miss (content warm in Redis) | ${ms(run.missContentWarm.p50)} | ${ms(run.missContentWarm.p99)} | ${ratio(run.miss, run.missContentWarm)} |`,
    `| cache hit from Redis (memory tier off) | ${ms(run.hitRedis.p50)} | ${ms(run.hitRedis.p99)} | ${ratio(run.miss, run.hitRedis)} |`,
    `| cache hit from the isolate's memory | ${ms(run.hit.p50)} | ${ms(run.hit.p99)} | ${ratio(run.miss, run.hit)} |`,
    `| floor: \`/__bench/floor\`, same gate, canned ${run.bodyBytes.toLocaleString("en-US")}-byte body, no cache read | ${ms(run.floor.p50)} | ${ms(run.floor.p99)} | ${ratio(run.miss, run.floor)} |`,
    "",
    `A hit (production configuration, memory tier on) is **${run.ratio.toFixed(1)}×** faster at p50 than a miss (target ≥ 5×: ${run.ratio >= 5 ? "met" : "missed"}); a hit from Redis alone is ${ratio(run.miss, run.hitRedis)}, and ${ratio(run.missContentWarm, run.hit)} against a miss whose plugin content is warm.`,
  ].join("\n");
}
