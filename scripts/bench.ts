// `npm run bench`: throughput, latency and round trips per request of the catalog list and detail,
// served by the deployed bundle on Miniflare (one workerd, the worker's own socket), at a 1k and a
// 100k catalog in one database, with and without the cache, next to a floor route with the same
// middleware and a canned body of the same size, and a bare worker as the runtime's ceiling.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { measureBundle, renderBundleSize } from "./bundle-size";
import { seedIfEmpty } from "./seed/run";
import { applyMigrations } from "./stack/migrate";
import { PROJECT_ROOT } from "./stack/paths";
import { startStack, type StackBindings } from "./stack/stack";
import {
  BENCH_CATEGORY_SLUG,
  BENCH_SEARCH_TERM,
  benchDetailItemId,
  bumpCatalogGeneration,
  createBenchKey,
  seedCatalogTo,
} from "./bench/catalog";
import { Cleanup, stopOnSignals } from "./bench/cleanup";
import { createSideDatabase, openBenchDatabase } from "./bench/database";
import { explainCatalogQueries, type ExplainedQuery } from "./bench/explain";
import { benchAssembledContext, renderContextSection } from "./bench/assembled-context";
import { benchInstalls, type InstallRun } from "./bench/installs";
import { benchMixed, type MixedRun } from "./bench/mixed";
import { LoadError, measure, probe, type Endpoint, type LoadSettings, type Measurement } from "./bench/load";
import { parseOptions, type BenchOptions } from "./bench/options";
import { renderReport, type ModeRun } from "./bench/report";
import { buildWorkerScript, startBareUpstashWorker, startBareWorker, startBundledWorker, startWorker, workerVars, type CacheMode, type RunningWorker } from "./bench/worker";
import { devWorkerVars, ensureDevKeyPair } from "./stack/dev-auth";
import { benchSearch, explainSearchQueries, renderSearchSection, type SearchCatalog, type SearchRun } from "./bench/search";
import { benchSearchApi, type SearchApiRun, type SearchApiTarget } from "./bench/search-api";
import { benchScanner, renderScannerSection } from "./bench/scanner";
import { benchHotPath, renderHotPathSection } from "./bench/hot-path";

const log = (line: string) => console.error(`[bench] ${line}`);
const MODES: CacheMode[] = ["on", "off"];

function listEndpoints(): Endpoint[] {
  const list = "/api/marketplace/items";
  return [
    { name: "list", kind: "list", path: list },
    { name: "list type", kind: "list", path: `${list}?type=agent` },
    { name: "list category", kind: "list", path: `${list}?category=${BENCH_CATEGORY_SLUG}` },
    { name: "list search", kind: "list", path: `${list}?search=${encodeURIComponent(BENCH_SEARCH_TERM)}` },
  ];
}

/**
 * Every endpoint of one worker run, the floor sized to the unfiltered list measured just before.
 * The floor runs first and last: on a small shared machine throughput drifts, and the two floor
 * figures show by how much (the ratios use their mean).
 */
async function runEndpoints(settings: LoadSettings, detailId: string, bare: References, pid: number | null): Promise<Measurement[]> {
  const lists = listEndpoints().map((e) => ({ ...e, pid }));
  const { bytes } = await probe(settings, lists[0]!);
  const floorPath = `/__bench/floor?bytes=${bytes}`;
  const references: Endpoint[] = [{ name: "bare", kind: "bare", path: `/?bytes=${bytes}`, baseUrl: bare.url, pid: bare.pid }];
  if (bare.upstash) references.push({ name: "bare + upstash", kind: "bare-upstash", path: `/?bytes=${bytes}`, baseUrl: bare.upstash.url, pid: bare.upstash.pid });
  const floor: Endpoint = { name: "floor", kind: "floor", path: floorPath, pid };
  const floorAgain: Endpoint = { name: "floor (again)", kind: "floor", path: floorPath, pid };
  const detail: Endpoint = { name: "detail", kind: "detail", path: `/api/marketplace/items/${detailId}`, pid };
  const results: Measurement[] = [];
  for (const endpoint of [...references, floor, ...lists, detail, floorAgain]) {
    const m = await measure(settings, endpoint);
    const trips = `db ${m.roundTrips.database.toFixed(2)}, upstash ${m.roundTrips.upstash.toFixed(2)} per request`;
    log(`  ${endpoint.name.padEnd(14)} cpu ${m.cpuMs === null ? "n/a" : m.cpuMs.toFixed(3)} ms/req ${m.rps.toFixed(1).padStart(8)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  ${trips}  (${m.requests} requests${m.probe.xCache ? `, X-Cache ${m.probe.xCache}` : ""})`);
    results.push(m);
  }
  return results;
}

/** The bare workers of the catalog sections, with their workerd pids (CPU per request). */
interface References {
  url: string;
  pid: number | null;
  upstash?: { url: string; pid: number | null };
}

/** Fails when the worker's cache is not in the mode asked for (a stray setting would skew every figure). */
async function checkCacheMode(url: string, mode: CacheMode): Promise<void> {
  const response = await fetch(`${url}/health`);
  const body = (await response.json()) as { cache?: { status?: string } };
  const expected = mode === "on" ? "ok" : "off";
  if (response.status !== 200 || body.cache?.status !== expected) {
    throw new Error(`cache mode ${mode}: /health answered ${response.status} with cache ${body.cache?.status}, expected ${expected}`);
  }
}

/** A fresh workerd per mode: the cache setting is a var, read when the isolate starts. */
async function runMode(run: { scriptPath: string; bare: RunningWorker; bareUpstash: RunningWorker }, bindings: StackBindings, mode: CacheMode, base: Omit<LoadSettings, "baseUrl">, detailId: string, cleanup: Cleanup) {
  const started = Date.now();
  const worker = await startWorker(run.scriptPath, bindings, mode, cleanup);
  log(`cache ${mode}: Miniflare ready at ${worker.url} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    await checkCacheMode(worker.url, mode);
    // The Upstash reference only where the API makes that round trip (cache on).
    const references: References = { url: run.bare.url, pid: run.bare.pid, upstash: mode === "on" ? { url: run.bareUpstash.url, pid: run.bareUpstash.pid } : undefined };
    return await runEndpoints({ ...base, baseUrl: worker.url }, detailId, references, worker.pid);
  } finally {
    await worker.stop();
  }
}

/** The install section (issue 12 item 8) on its own worker, cache on as in production. */
async function runInstalls(scriptPath: string, bindings: StackBindings, databaseUrl: string, cleanup: Cleanup): Promise<InstallRun> {
  const worker = await startWorker(scriptPath, bindings, "on", cleanup);
  try {
    return await benchInstalls(worker.url, databaseUrl, log);
  } finally {
    await worker.stop();
  }
}

/** The mixed-load section (issue 16 item 3) on its own worker, cache on as in production. */
async function runMixed(scriptPath: string, bindings: StackBindings, databaseUrl: string, options: BenchOptions, cleanup: Cleanup): Promise<MixedRun> {
  const worker = await startWorker(scriptPath, bindings, "on", cleanup);
  try {
    return await benchMixed(worker.url, databaseUrl, { durationSec: options.durationSec, warmupSec: options.warmupSec }, log);
  } finally {
    await worker.stop();
  }
}

/**
 * The assembled-context section (issue 15 item 6) on its own worker, cache on (and a second one
 * with the memory tier off, for hits from Redis alone), trusting the dev
 * signing key so a platform admin can upload and approve the plugins through the API.
 */
async function runAssembledContext(scriptPath: string, bindings: StackBindings, databaseUrl: string, requests: number, cleanup: Cleanup): Promise<string> {
  const { publicKeyPem } = await ensureDevKeyPair();
  const vars = { ...workerVars(bindings, "on"), ...devWorkerVars(publicKeyPem) };
  const worker = await startBundledWorker(scriptPath, vars, cleanup, "worker assembled context");
  const memoryOff = await startBundledWorker(scriptPath, { ...vars, CONTEXT_MEMORY_BYTES: "0" }, cleanup, "worker assembled context, memory tier off");
  try {
    const redis = { url: bindings.UPSTASH_REDIS_REST_URL!, token: bindings.UPSTASH_REDIS_REST_TOKEN! };
    return renderContextSection(await benchAssembledContext({ worker: worker.url, memoryOff: memoryOff.url }, databaseUrl, redis, requests, log));
  } finally {
    await Promise.all([worker.stop(), memoryOff.stop()]);
  }
}

/** The hot-path section (issue 32) with its own bench key, on whatever catalog the database holds. */
async function runHotPath(scriptPath: string, stack: { bindings: StackBindings; roundTrips(): { database: number; upstash: number } }, databaseUrl: string, options: BenchOptions, cleanup: Cleanup): Promise<string> {
  const key = await createBenchKey(databaseUrl);
  cleanup.add("hot-path bench key", key.revoke);
  const run = await benchHotPath({
    scriptPath,
    bindings: stack.bindings,
    apiKey: key.key,
    requests: options.hotPathRequests,
    rounds: options.hotPathRounds,
    connections: options.hotPathConnections,
    warmupSec: options.warmupSec,
    roundTrips: stack.roundTrips,
    cleanup,
    log,
  });
  return renderHotPathSection(run);
}

/** Anything else busy on this machine skews every figure; the report says how busy it was. */
function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(", ");
}

function packageVersion(name: string): string {
  const file = join(PROJECT_ROOT, "node_modules", name, "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

function writeReport(markdown: string, startedAt: Date): string {
  const dir = join(PROJECT_ROOT, "bench-results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${startedAt.toISOString().replace(/[:.]/g, "-")}.md`);
  writeFileSync(file, `${markdown}\n`);
  return file;
}

/**
 * A database per catalog size but the largest on the bench's server, so the search section can
 * interleave the sizes' runs (bench/search.ts benchSearch); the largest is measured on the bench's
 * own database. Undefined when the server refuses CREATE DATABASE: the section then measures each
 * size in turn on the one database, as it grows.
 */
async function searchDatabases(databaseUrl: string, sizes: number[], cleanup: Cleanup): Promise<Map<number, string> | undefined> {
  const side = new Map<number, string>();
  for (const size of sizes.slice(0, -1)) {
    const created = await createSideDatabase(databaseUrl, `bench_search_${size}`);
    if (!created) {
      log("search: the server refused CREATE DATABASE; the sizes are measured one after the other");
      return undefined;
    }
    cleanup.add(`search database ${size}`, created.drop);
    side.set(size, created.url);
  }
  return side;
}

/** The search section with every size's runs interleaved: smaller sizes on their own databases, the largest on the bench's. */
async function interleavedSearch(databaseUrl: string, sizes: number[], side: Map<number, string>, runs: SearchRun[]): Promise<ExplainedQuery[]> {
  const catalogs: SearchCatalog[] = [];
  for (const [size, url] of side) {
    await applyMigrations(url);
    catalogs.push({ url, size, itemCount: await seedCatalogTo(url, size, log) });
  }
  const largest = sizes[sizes.length - 1]!;
  catalogs.push({ url: databaseUrl, size: largest, itemCount: await seedCatalogTo(databaseUrl, largest, log) });
  log(`search, ${catalogs.map((c) => c.size.toLocaleString("en-US")).join(" and ")} interleaved:`);
  runs.push(...(await benchSearch(catalogs, log)));
  log("EXPLAIN (ANALYZE, BUFFERS) of three searches ...");
  return explainSearchQueries(databaseUrl);
}

/**
 * The judged searches through the API (bench/search-api.ts): one cache-off worker per catalog size,
 * each reading its own database (the smaller sizes' side databases, the largest the bench's), all
 * up at once so their requests interleave. A side database gets its own key (it is dropped at the
 * end, key and all).
 */
async function runSearchApi(scriptPath: string, bindings: StackBindings, databaseUrl: string, sizes: number[], side: Map<number, string>, apiKey: string, cleanup: Cleanup): Promise<SearchApiRun[]> {
  const targets: SearchApiTarget[] = [];
  const workers: Array<{ stop(): Promise<void> }> = [];
  try {
    for (const size of sizes) {
      const url = side.get(size) ?? databaseUrl;
      const key = url === databaseUrl ? apiKey : (await createBenchKey(url)).key;
      const worker = await startBundledWorker(scriptPath, { ...workerVars(bindings, "off"), DATABASE_URL: url }, cleanup, `worker search ${size}`);
      workers.push(worker);
      await checkCacheMode(worker.url, "off");
      targets.push({ size, url: worker.url, apiKey: key });
    }
    log(`search through the API (cache off), ${sizes.map((s) => s.toLocaleString("en-US")).join(" and ")} interleaved:`);
    return await benchSearchApi(targets, log);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** The search section at every size in turn on one growing database (no side databases), plans at the largest. */
async function sequentialSearch(databaseUrl: string, sizes: number[], runs: SearchRun[]): Promise<ExplainedQuery[]> {
  for (const size of sizes) {
    const itemCount = await seedCatalogTo(databaseUrl, size, log);
    log(`${size.toLocaleString("en-US")} catalog, search:`);
    runs.push(...(await benchSearch([{ url: databaseUrl, size, itemCount }], log)));
  }
  log("EXPLAIN (ANALYZE, BUFFERS) of three searches ...");
  return explainSearchQueries(databaseUrl);
}

async function benchmark(options: BenchOptions, cleanup: Cleanup, startedAt: Date): Promise<string> {
  const loadAtStart = loadAverage();
  if (options.scannerOnly) {
    // Pure: the corpus and the long lines go through the upload gate in this process.
    return `# Scanner benchmark, ${startedAt.toISOString()}\n\nLoad average at start: ${loadAtStart}\n\n${renderScannerSection(benchScanner(log))}`;
  }
  const database = await openBenchDatabase(log);
  cleanup.add("database", () => database.close());
  log(`database: ${database.name}\n         ${database.version}`);
  const searchRuns: SearchRun[] = [];
  if (options.searchOnly) {
    // No worker or stack: only the schema the app's queries need.
    await applyMigrations(database.url);
    const side = await searchDatabases(database.url, options.sizes, cleanup);
    const plans = side ? await interleavedSearch(database.url, options.sizes, side, searchRuns) : await sequentialSearch(database.url, options.sizes, searchRuns);
    return `# Search benchmark\n\n${database.name}: ${database.version}; load average ${loadAtStart}\n\n${renderSearchSection(searchRuns, plans)}`;
  }

  const stack = await startStack({ databaseUrl: database.url, redis: "require", log });
  cleanup.add("stack", () => stack.close());

  log("bundling the worker (wrangler deploy --dry-run) for Miniflare ...");
  const scriptPath = await buildWorkerScript();
  if (options.hotPathOnly) {
    const demo = await seedIfEmpty(database.url);
    if (demo) log(`seeded the demo catalog (${demo.items} items)`);
    const section = await runHotPath(scriptPath, stack, database.url, options, cleanup);
    return `# Benchmark (hot path only), ${startedAt.toISOString()}\n\n${database.name}: ${database.version}; load average at start: ${loadAtStart}\n\n${section}`;
  }
  if (options.pluginsOnly) {
    const section = await runAssembledContext(scriptPath, stack.bindings, database.url, options.contextRequests, cleanup);
    return `# Benchmark (assembled context only), ${startedAt.toISOString()}\n\nLoad average at start: ${loadAtStart}\n\n${section}`;
  }
  const bare = await startBareWorker(cleanup);
  const bareUpstash = await startBareUpstashWorker(stack.bindings, cleanup);
  const runs: ModeRun[] = [];
  let explains: ExplainedQuery[] = [];
  let searchPlans: ExplainedQuery[] = [];
  let searchApiRuns: SearchApiRun[] = [];
  let apiKey: string | undefined;
  let detailId = "";
  const onlyOne = options.installsOnly || options.mixedOnly;
  const searchSide = onlyOne ? undefined : await searchDatabases(database.url, options.sizes, cleanup);
  for (const size of onlyOne ? [] : options.sizes) {
    const itemCount = await seedCatalogTo(database.url, size, log);
    await bumpCatalogGeneration(stack.bindings);
    if (!apiKey) {
      // After the first seed: the key belongs to the demo workspace, which the seed creates.
      const bench = await createBenchKey(database.url);
      cleanup.add("bench key", bench.revoke);
      apiKey = bench.key;
      detailId = await benchDetailItemId(database.url);
    }
    for (const mode of MODES) {
      log(`${size.toLocaleString("en-US")} catalog, cache ${mode}:`);
      const base = { apiKey, warmupSec: options.warmupSec, durationSec: options.durationSec, connections: options.connections, roundTrips: stack.roundTrips };
      const load = loadAverage();
      runs.push({ size, itemCount, mode, loadAverage: load, measurements: await runMode({ scriptPath, bare, bareUpstash }, stack.bindings, mode, base, detailId, cleanup) });
    }
    // Without side databases, each size's search runs here, while the database holds that size.
    if (!searchSide) searchRuns.push(...(await benchSearch([{ url: database.url, size, itemCount }], log)));
    if (size === options.sizes[options.sizes.length - 1]) {
      // Every query a detail read runs (versions and dependencies included) is in this set.
      log("EXPLAIN (ANALYZE, BUFFERS) of the app's catalog queries ...");
      explains = await explainCatalogQueries(database.url, detailId);
      searchPlans = searchSide ? await interleavedSearch(database.url, options.sizes, searchSide, searchRuns) : await explainSearchQueries(database.url);
      if (searchSide) searchApiRuns = await runSearchApi(scriptPath, stack.bindings, database.url, options.sizes, searchSide, apiKey!, cleanup);
    }
  }

  if (onlyOne) {
    const demo = await seedIfEmpty(database.url);
    if (demo) log(`seeded the demo catalog (${demo.items} items)`);
  }
  const installs = options.mixedOnly ? undefined : await runInstalls(scriptPath, stack.bindings, database.url, cleanup);
  const mixed = options.installsOnly ? undefined : await runMixed(scriptPath, stack.bindings, database.url, options, cleanup);
  const contextSection = options.installsOnly || options.mixedOnly ? "" : await runAssembledContext(scriptPath, stack.bindings, database.url, options.contextRequests, cleanup);
  const hotPathSection = onlyOne ? "" : `${await runHotPath(scriptPath, stack, database.url, options, cleanup)}\n\n`;

  log("bundling the worker (wrangler deploy --dry-run) for its size ...");
  const bundle = renderBundleSize(await measureBundle());
  const report = renderReport({
    startedAt,
    elapsedSec: (Date.now() - startedAt.getTime()) / 1000,
    database: { name: database.name, version: database.version },
    versions: {
      Node: process.version,
      wrangler: packageVersion("wrangler"),
      miniflare: packageVersion("miniflare"),
      autocannon: packageVersion("autocannon"),
      CPUs: `${cpus().length} × ${cpus()[0]?.model ?? "unknown"} (load generator, worker, relay and database share them)`,
      "Load average at start (1, 5, 15 min)": loadAtStart,
    },
    settings: options,
    fixtures: {
      "Detail item": detailId,
      "Category filter": BENCH_CATEGORY_SLUG,
      "Search term": `"${BENCH_SEARCH_TERM}"`,
      Seeding: "demo catalog + synthetic items (scripts/seed/synthetic.ts), then VACUUM (ANALYZE) items, item_versions",
    },
    runs,
    explains,
    installs,
    mixed,
  });
  const scannerSection = options.installsOnly || options.mixedOnly ? "" : `${renderScannerSection(benchScanner(log))}\n`;
  return `${report}\n${hotPathSection}${renderSearchSection(searchRuns, searchPlans, searchApiRuns)}\n\n${contextSection}\n${scannerSection}${bundle}`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const cleanup = new Cleanup(log);
  stopOnSignals(cleanup, log);
  let code = 0;
  try {
    const startedAt = new Date();
    const report = await benchmark(options, cleanup, startedAt);
    console.log(report);
    log(`report written to ${writeReport(report, startedAt)}`);
  } catch (error) {
    code = 1;
    // A bad response is the finding itself; anything else gets its stack for debugging.
    if (error instanceof LoadError) log(`benchmark aborted: ${error.message}`);
    else log(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    await cleanup.run();
  }
  // Exit 0 even when a target is missed: the report is the product; only errors fail the run.
  process.exit(code);
}

void main();
