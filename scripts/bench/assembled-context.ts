import { Redis } from "@upstash/redis";
import { eq } from "drizzle-orm";
import { strToU8, zipSync } from "fflate";
import * as schema from "../../src/db/schema";
import { nameSkeleton } from "../../src/domain/names";
import { displayPrefix, generateApiKey, hashApiKey } from "../../src/services/auth/api-key-format";
import { pluginContentKey } from "../../src/services/plugins/content";
import { assembledContextKey } from "../../src/services/plugins/context-cache";
import { signDevToken, withDrizzle } from "../stack/dev-auth";
import { LoadError } from "./load";

// Issue 15 item 6: assembled-context latency for an agent with 5 plugins of 50 KB each, with the
// plugin content cache and the assembled-context cache cold (every request queries the database
// and reads R2) and warm (the whole answer from Redis), sequential requests.

export const CONTEXT_PLUGINS = 5;
export const PLUGIN_TEXT_BYTES = 50 * 1024;
const RATE_LIMIT = 100_000_000;
const BENCH_BUDGET = 1_000_000;

export interface ContextRun {
  plugins: number;
  pluginBytes: number;
  requests: number;
  miss: { p50: number; p99: number };
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
      scopes: ["plugins:enable", "items:read", "items:write"],
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

async function timed(baseUrl: string, fixture: Fixture): Promise<{ ms: number; body: { plugins: Array<{ included: string }> } }> {
  const t0 = performance.now();
  const response = await fetch(`${baseUrl}/api/agents/${fixture.agentId}/assembled-context?budget=${BENCH_BUDGET}`, { headers: { "X-API-Key": fixture.key } });
  const text = await response.text();
  const ms = performance.now() - t0;
  if (response.status !== 200) throw new LoadError(`assembled-context: ${response.status} ${text.slice(0, 300)}`);
  return { ms, body: JSON.parse(text) as { plugins: Array<{ included: string }> } };
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

/**
 * `requests` sequential reads with the content cache emptied before each (miss), then as many
 * with it warm (hit). The cache is emptied outside the timed request.
 */
export async function benchAssembledContext(
  baseUrl: string,
  databaseUrl: string,
  redis: { url: string; token: string },
  requests: number,
  log: (line: string) => void,
): Promise<ContextRun> {
  const fixture = await prepare(baseUrl, databaseUrl);
  const client = new Redis({ url: redis.url, token: redis.token });
  try {
    log(`assembled context: ${CONTEXT_PLUGINS} plugins × ${PLUGIN_TEXT_BYTES / 1024} KB, ${requests} requests per case`);
    await timed(baseUrl, fixture); // warm the principal cache and the isolate
    const miss: number[] = [];
    let includedFull = 0;
    for (let i = 0; i < requests; i++) {
      await client.del(...fixture.contentKeys, assembledContextKey(fixture.workspaceId, fixture.agentId, BENCH_BUDGET));
      const { ms, body } = await timed(baseUrl, fixture);
      miss.push(ms);
      includedFull = body.plugins.filter((p) => p.included === "full").length;
    }
    await timed(baseUrl, fixture);
    const hit: number[] = [];
    for (let i = 0; i < requests; i++) hit.push((await timed(baseUrl, fixture)).ms);
    miss.sort((a, b) => a - b);
    hit.sort((a, b) => a - b);
    const run: ContextRun = {
      plugins: CONTEXT_PLUGINS,
      pluginBytes: PLUGIN_TEXT_BYTES,
      requests,
      miss: { p50: percentile(miss, 50), p99: percentile(miss, 99) },
      hit: { p50: percentile(hit, 50), p99: percentile(hit, 99) },
      ratio: percentile(miss, 50) / Math.max(percentile(hit, 50), 0.001),
      includedFull,
    };
    log(`  miss p50 ${run.miss.p50.toFixed(1)} ms p99 ${run.miss.p99.toFixed(1)} ms; hit p50 ${run.hit.p50.toFixed(1)} ms p99 ${run.hit.p99.toFixed(1)} ms; ${run.ratio.toFixed(1)}× (target ≥ 5×)`);
    return run;
  } finally {
    await cleanUp(baseUrl, databaseUrl, fixture);
  }
}

export function renderContextSection(run: ContextRun): string {
  const ms = (n: number) => n.toFixed(1);
  return [
    "## Assembled context (cache on)",
    "",
    `\`GET /api/agents/{id}/assembled-context\` for an agent with ${run.plugins} plugins of ${run.pluginBytes / 1024} KB of prose each (${run.includedFull} included in full), ${run.requests} sequential requests per case. Miss: the plugin content cache and the cached context emptied before each request (database, R2 read and token count); hit: the whole context served from Redis (0 database queries, 2 Upstash requests).`,
    "",
    "| case | p50 ms | p99 ms |",
    "| --- | --- | --- |",
    `| cache miss | ${ms(run.miss.p50)} | ${ms(run.miss.p99)} |`,
    `| cache hit | ${ms(run.hit.p50)} | ${ms(run.hit.p99)} |`,
    "",
    `Hit is **${run.ratio.toFixed(1)}×** faster at p50 (target ≥ 5×: ${run.ratio >= 5 ? "met" : "missed"}).`,
  ].join("\n");
}
