import { checkConsistency, cleanUp, INSTALL_CLIENTS, INSTALL_WORKSPACES, percentile, prepare, type ConsistencyCheck } from "./installs";
import { BENCH_SEARCH_TERM } from "./catalog";
import { LoadError } from "./load";

// Issue 16 item 3: mixed load. 50 clients, each request a catalog read (90 %) or an install (10 %),
// across 100 workspaces with one key each, for a fixed time; throughput and p99 overall and per
// kind, then the install section's consistency checks on what the run wrote.

export const READ_SHARE = 0.9;
/** Install targets per run: 100 workspaces × 40 items = 4,000 distinct pairs, more than a run makes. */
const INSTALL_ITEMS = 40;
/** A fixed seed for the stream of choices (which kind, which read, which key); clients interleave, so it is not a replay. */
const SEED = 16_003;

export interface KindFigures {
  requests: number;
  p50: number;
  p99: number;
}

export interface MixedRun {
  workspaces: number;
  clients: number;
  seconds: number;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  reads: KindFigures;
  installs: KindFigures;
  statuses: Record<string, number>;
  checks: ConsistencyCheck[];
}

/** mulberry32: a small, fast PRNG; good enough to pick request kinds reproducibly. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function figures(latencies: number[]): KindFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { requests: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/**
 * Runs the mixed profile for `durationSec` after a warm-up of reads only (every key once, then
 * until `warmupSec` has passed; not measured). Reads rotate over the list (plain, type filter, search) and the detail of the items
 * being installed, so installs invalidate what is being read. Installs take distinct
 * (workspace, item) pairs in order, so every one should be 201.
 * @throws LoadError on any 429 or 5xx (the run is then a finding, not a figure).
 */
export async function benchMixed(baseUrl: string, databaseUrl: string, opts: { durationSec: number; warmupSec: number }, log: (line: string) => void): Promise<MixedRun> {
  const fixture = await prepare(databaseUrl, ["catalog:read"], INSTALL_ITEMS);
  try {
    const pairs: Array<{ key: string; itemId: string }> = [];
    for (let j = 0; j < fixture.itemIds.length; j++) {
      fixture.keys.forEach((key, w) => pairs.push({ key, itemId: fixture.itemIds[(w + j) % fixture.itemIds.length]! }));
    }
    const readPaths = ["/api/marketplace/items?limit=20", "/api/marketplace/items?type=agent&limit=20", `/api/marketplace/items?search=${encodeURIComponent(BENCH_SEARCH_TERM)}&limit=20`, ...fixture.itemIds.slice(0, 10).map((id) => `/api/marketplace/items/${id}`)];
    const next = random(SEED);
    let nextPair = 0;
    const read = async (key: string) => {
      const response = await fetch(`${baseUrl}${readPaths[Math.floor(next() * readPaths.length)]!}`, { headers: { "X-API-Key": key } });
      await response.arrayBuffer();
      return response.status;
    };

    log(`mixed: ${INSTALL_CLIENTS} clients, ${INSTALL_WORKSPACES} workspaces, ${READ_SHARE * 100} % reads / ${Math.round((1 - READ_SHARE) * 100)} % installs, ${opts.warmupSec} s warm-up (reads) + ${opts.durationSec} s`);
    const warmEnd = performance.now() + opts.warmupSec * 1000;
    // Every key once at least (its principal cached, as in a steady state), then reads until warmEnd.
    await Promise.all(
      Array.from({ length: INSTALL_CLIENTS }, async (_, c) => {
        for (let k = c; k < fixture.keys.length; k += INSTALL_CLIENTS) await read(fixture.keys[k]!);
        while (performance.now() < warmEnd) await read(fixture.keys[c % fixture.keys.length]!);
      }),
    );

    const readLatencies: number[] = [];
    const installLatencies: number[] = [];
    const statuses: Record<string, number> = {};
    const started = performance.now();
    const end = started + opts.durationSec * 1000;
    await Promise.all(
      Array.from({ length: INSTALL_CLIENTS }, async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          let status: number;
          if (next() < READ_SHARE || nextPair >= pairs.length) {
            status = await read(fixture.keys[Math.floor(next() * fixture.keys.length)]!);
            readLatencies.push(performance.now() - t0);
          } else {
            const pair = pairs[nextPair++]!;
            const response = await fetch(`${baseUrl}/api/marketplace/items/${pair.itemId}/install`, { method: "POST", headers: { "X-API-Key": pair.key } });
            await response.arrayBuffer();
            status = response.status;
            installLatencies.push(performance.now() - t0);
          }
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const all = figures([...readLatencies, ...installLatencies]);
    const checks = await checkConsistency(databaseUrl, fixture.countsBefore);
    const result: MixedRun = {
      workspaces: INSTALL_WORKSPACES,
      clients: INSTALL_CLIENTS,
      seconds,
      requests: all.requests,
      perSecond: all.requests / seconds,
      p50: all.p50,
      p99: all.p99,
      reads: figures(readLatencies),
      installs: figures(installLatencies),
      statuses,
      checks,
    };
    log(
      `  mixed ${result.perSecond.toFixed(1)} req/s  p50 ${result.p50.toFixed(0)} ms  p99 ${result.p99.toFixed(0)} ms  ` +
        `(reads ${result.reads.requests}, p99 ${result.reads.p99.toFixed(0)} ms; installs ${result.installs.requests}, p99 ${result.installs.p99.toFixed(0)} ms)  statuses ${JSON.stringify(statuses)}`,
    );
    for (const c of checks) log(`  ${c.pass ? "PASS" : "FAIL"} ${c.name}${c.pass ? "" : ` (${c.failures})`}`);
    const bad = Object.entries(statuses).filter(([code]) => code === "429" || code.startsWith("5"));
    if (bad.length) throw new LoadError(`mixed: ${bad.map(([code, n]) => `${code}×${n}`).join(", ")} under mixed load`);
    return result;
  } finally {
    await cleanUp(databaseUrl, fixture);
  }
}

export function renderMixedSection(run: MixedRun): string {
  const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  const statuses = Object.entries(run.statuses)
    .map(([code, n]) => `${code}×${n}`)
    .join(", ");
  return [
    "## Mixed load (cache on)",
    "",
    `${run.clients} concurrent clients, ${run.workspaces} workspaces (one API key each), ${READ_SHARE * 100} % catalog reads (list, filtered lists, detail) / ${Math.round((1 - READ_SHARE) * 100)} % installs of distinct (workspace, item) pairs, seed ${SEED}.`,
    "",
    "| requests | seconds | req/s | p50 ms | p99 ms | reads (p99 ms) | installs (p99 ms) | statuses |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    `| ${fmt(run.requests)} | ${fmt(run.seconds, 1)} | ${fmt(run.perSecond, 1)} | ${fmt(run.p50)} | ${fmt(run.p99)} | ${fmt(run.reads.requests)} (${fmt(run.reads.p99)}) | ${fmt(run.installs.requests)} (${fmt(run.installs.p99)}) | ${statuses} |`,
    "",
    "### Consistency after the mixed run",
    "",
    "| check | failures | result |",
    "| --- | --- | --- |",
    ...run.checks.map((c) => `| ${c.name} | ${c.failures} | ${c.pass ? "PASS" : "FAIL"} |`),
  ].join("\n");
}
