import { and, eq, inArray, sql } from "drizzle-orm";
import * as schema from "../../src/db/schema";
import { displayPrefix, generateApiKey, hashApiKey } from "../../src/services/auth/api-key-format";
import { withDrizzle } from "../stack/dev-auth";
import { LoadError } from "./load";

// Issue 12 item 8: installs per second and latency under concurrent clients across many
// workspaces, then a consistency check of counters, install rows and clones.

export const INSTALL_WORKSPACES = 100;
export const INSTALL_CLIENTS = 50;
/** Items each workspace installs: 100 × 10 = 1,000 installs, every pair distinct (all should be 201). */
const ITEMS_PER_WORKSPACE = 10;
const BENCH_RATE_LIMIT_PER_MINUTE = 100_000_000;

export interface ConsistencyCheck {
  name: string;
  failures: number;
  pass: boolean;
}

export interface InstallRun {
  workspaces: number;
  clients: number;
  installs: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  checks: ConsistencyCheck[];
}

export interface Fixture {
  keys: string[];
  workspaceIds: string[];
  itemIds: string[];
  countsBefore: Map<string, number>;
}

/**
 * 100 workspaces with a key each (items:install, plus what `extraScopes` adds), and the listed
 * skills and agents they will install (`itemLimit` of them).
 */
export async function prepare(databaseUrl: string, extraScopes: Array<"catalog:read"> = [], itemLimit = ITEMS_PER_WORKSPACE * 2): Promise<Fixture> {
  return withDrizzle(databaseUrl, async (db) => {
    const stamp = Date.now().toString(36);
    const workspaces = await db
      .insert(schema.workspaces)
      .values(Array.from({ length: INSTALL_WORKSPACES }, (_, i) => ({ name: `Bench installs ${stamp} ${i}`, slug: `bench-inst-${stamp}-${i}` })))
      .returning({ id: schema.workspaces.id });
    const keys: string[] = [];
    const rows = [];
    for (const w of workspaces) {
      const key = generateApiKey();
      keys.push(key);
      rows.push({
        workspaceId: w.id,
        name: `bench-installs-${stamp}`,
        prefix: displayPrefix(key),
        keyHash: await hashApiKey(key),
        scopes: ["items:install" as const, ...extraScopes],
        rateLimitPerMinute: BENCH_RATE_LIMIT_PER_MINUTE,
      });
    }
    await db.insert(schema.apiKeys).values(rows);
    const items = await db
      .select({ id: schema.items.id, installCount: schema.items.installCount })
      .from(schema.items)
      .where(and(sql`${schema.items.ownerType} = 'marketplace'`, sql`${schema.items.isApproved}`, inArray(schema.items.type, ["skill", "agent"])))
      .orderBy(schema.items.id)
      .limit(itemLimit);
    if (items.length < ITEMS_PER_WORKSPACE) throw new Error(`need ${ITEMS_PER_WORKSPACE} listed skills or agents, found ${items.length}`);
    return {
      keys,
      workspaceIds: workspaces.map((w) => w.id),
      itemIds: items.map((i) => i.id),
      countsBefore: new Map(items.map((i) => [i.id, i.installCount])),
    };
  });
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** `clients` loops, each taking the next (workspace, item) pair until none is left. */
async function drive(baseUrl: string, fixture: Fixture, clients: number) {
  const jobs: Array<{ key: string; itemId: string }> = [];
  // Interleaved, so concurrent requests hit different workspaces and the same items at once.
  for (let j = 0; j < ITEMS_PER_WORKSPACE; j++) {
    fixture.keys.forEach((key, w) => jobs.push({ key, itemId: fixture.itemIds[(w + j) % fixture.itemIds.length]! }));
  }
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const t0 = performance.now();
        const response = await fetch(`${baseUrl}/api/marketplace/items/${job.itemId}/install`, { method: "POST", headers: { "X-API-Key": job.key } });
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { installs: jobs.length, seconds, latencies, statuses };
}

/**
 * The invariants the issue names: every touched item's install_count grew by exactly its install
 * rows; no clone lacks an install row; no live install row lacks its clone; no (workspace, item)
 * has two live installs. Also used by the mixed-load section (scripts/bench/mixed.ts).
 */
export async function checkConsistency(databaseUrl: string, countsBefore: Map<string, number>): Promise<ConsistencyCheck[]> {
  return withDrizzle(databaseUrl, async (db) => {
    const ids = [...countsBefore.keys()];
    const perItem = await db
      .select({
        id: schema.items.id,
        installCount: schema.items.installCount,
        rows: sql<number>`count(${schema.marketplaceInstalls.id})::int`,
      })
      .from(schema.items)
      .leftJoin(schema.marketplaceInstalls, eq(schema.marketplaceInstalls.itemId, schema.items.id))
      .where(inArray(schema.items.id, ids))
      .groupBy(schema.items.id, schema.items.installCount);
    // Seeded counts have no install rows behind them; what this run added must match its rows.
    const counterMismatches = perItem.filter((r) => r.installCount - (countsBefore.get(r.id) ?? 0) !== Number(r.rows)).length;
    const [orphanClones] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from ${schema.items} c
      where c.owner_type = 'workspace' and c.cloned_from_id is not null
        and exists (select 1 from ${schema.items} m where m.id = c.cloned_from_id and (m.owner_type = 'marketplace' or m.removed_at is not null))
        and not exists (select 1 from ${schema.marketplaceInstalls} mi where mi.clone_id = c.id and mi.uninstalled_at is null)`).then((r) => r.rows);
    const [duplicateLive] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from (
        select 1 from ${schema.marketplaceInstalls} mi where mi.uninstalled_at is null
        group by mi.workspace_id, mi.item_id having count(*) > 1) d`).then((r) => r.rows);
    const [liveWithoutClone] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from ${schema.marketplaceInstalls} mi
      where mi.uninstalled_at is null
        and not exists (select 1 from ${schema.items} c where c.id = mi.clone_id)`).then((r) => r.rows);
    const checks = [
      { name: "install_count grew by the number of install rows, per item", failures: counterMismatches },
      { name: "no clone without a live install row", failures: Number(orphanClones?.n ?? 0) },
      { name: "no live install row without a clone", failures: Number(liveWithoutClone?.n ?? 0) },
      { name: "no duplicate live installs (workspace, item)", failures: Number(duplicateLive?.n ?? 0) },
    ];
    return checks.map((c) => ({ ...c, pass: c.failures === 0 }));
  });
}

/** Removes what the section created (clones, install rows, keys, workspaces) and restores the counters. */
export async function cleanUp(databaseUrl: string, fixture: Fixture): Promise<void> {
  await withDrizzle(databaseUrl, async (db) => {
    await db.transaction(async (tx) => {
      await tx.delete(schema.marketplaceInstalls).where(inArray(schema.marketplaceInstalls.workspaceId, fixture.workspaceIds));
      await tx.delete(schema.workspaces).where(inArray(schema.workspaces.id, fixture.workspaceIds));
      for (const [id, count] of fixture.countsBefore) await tx.update(schema.items).set({ installCount: count }).where(eq(schema.items.id, id));
    });
  });
}

export async function benchInstalls(baseUrl: string, databaseUrl: string, log: (line: string) => void): Promise<InstallRun> {
  const fixture = await prepare(databaseUrl);
  try {
    log(`installs: ${INSTALL_CLIENTS} clients, ${INSTALL_WORKSPACES} workspaces × ${ITEMS_PER_WORKSPACE} items`);
    const run = await drive(baseUrl, fixture, INSTALL_CLIENTS);
    const checks = await checkConsistency(databaseUrl, fixture.countsBefore);
    const result: InstallRun = {
      workspaces: INSTALL_WORKSPACES,
      clients: INSTALL_CLIENTS,
      installs: run.installs,
      seconds: run.seconds,
      perSecond: run.installs / run.seconds,
      p50: percentile(run.latencies, 50),
      p99: percentile(run.latencies, 99),
      statuses: run.statuses,
      checks,
    };
    log(`  installs ${result.perSecond.toFixed(1)}/s  p50 ${result.p50.toFixed(0)} ms  p99 ${result.p99.toFixed(0)} ms  statuses ${JSON.stringify(run.statuses)}`);
    for (const c of checks) log(`  ${c.pass ? "PASS" : "FAIL"} ${c.name}${c.pass ? "" : ` (${c.failures})`}`);
    if (run.statuses["429"]) throw new LoadError(`installs: ${run.statuses["429"]} responses were 429 Too Many Requests`);
    return result;
  } finally {
    await cleanUp(databaseUrl, fixture);
  }
}

export function renderInstallSection(run: InstallRun): string {
  const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  const statuses = Object.entries(run.statuses)
    .map(([code, n]) => `${code}×${n}`)
    .join(", ");
  return [
    `## Installs (cache on)`,
    "",
    `${run.clients} concurrent clients, ${run.workspaces} workspaces, ${fmt(run.installs)} installs of distinct (workspace, item) pairs (\`POST /api/marketplace/items/{id}/install\`, one API key per workspace).`,
    "",
    "| installs | seconds | installs/s | p50 ms | p99 ms | statuses |",
    "| --- | --- | --- | --- | --- | --- |",
    `| ${fmt(run.installs)} | ${fmt(run.seconds, 1)} | ${fmt(run.perSecond, 1)} | ${fmt(run.p50)} | ${fmt(run.p99)} | ${statuses} |`,
    "",
    "### Consistency",
    "",
    "| check | failures | result |",
    "| --- | --- | --- |",
    ...run.checks.map((c) => `| ${c.name} | ${c.failures} | ${c.pass ? "PASS" : "FAIL"} |`),
  ].join("\n");
}
