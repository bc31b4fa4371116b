// The hot path measured as Workers bills it (issue 32, design.md §43): worker CPU time per request
// of the cached catalog reads and of a 404 through the middleware, held to two references started
// in the same run: R1, a bare worker answering the same bytes, and R2, a bare worker making the one
// Upstash GET of the same value (`Upstash-Encoding: base64`, decoded as the client does) that a
// cached read cannot avoid. Each Miniflare instance is its own workerd, so each figure is that
// process's own CPU time (bench/cpu.ts) over a fixed number of requests.
import { devWorkerVars, ensureDevKeyPair, signDevToken } from "../stack/dev-auth";
import type { StackBindings } from "../stack/stack";
import type { Cleanup } from "./cleanup";
import { measure, probe, type Endpoint, type LoadSettings, type Measurement, type RoundTripCounts } from "./load";
import { startBodyReference, startBundledWorker, startUpstashGetReference, workerVars } from "./worker";

/** Targets of design.md §43 (amending issue 32 item 2): worker CPU per request over R2's. */
export const CACHED_LIST_OVER_R2_MAX = 1.0;
export const NOT_FOUND_OVER_R2_MAX = 0.25;

/** The Redis key R2 reads: the cached list's bytes, written by the bench before R2 starts. */
const REFERENCE_KEY = "bench:hot-path:value";

export interface HotPathOptions {
  scriptPath: string;
  bindings: StackBindings;
  apiKey: string;
  /** Measured requests per endpoint and round (the issue's 3,000). */
  requests: number;
  /** Rounds over every endpoint; each figure is the median of its rounds. */
  rounds: number;
  /** Concurrent connections (the issue's eight). */
  connections: number;
  warmupSec: number;
  roundTrips(): RoundTripCounts;
  cleanup: Cleanup;
  log(line: string): void;
}

export interface HotPathRun {
  requests: number;
  rounds: number;
  connections: number;
  /** Bytes of the cached list's body (and of both references' answers). */
  bytes: number;
  listPath: string;
  measurements: Measurement[];
}

const LIST_PATH = "/api/marketplace/items?limit=20";
const NOT_FOUND_PATH = "/api/marketplace/no-such-route";

async function setReferenceValue(bindings: StackBindings, value: string): Promise<void> {
  const response = await fetch(bindings.UPSTASH_REDIS_REST_URL!, {
    method: "POST",
    headers: { Authorization: `Bearer ${bindings.UPSTASH_REDIS_REST_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify(["SET", REFERENCE_KEY, value]),
  });
  if (!response.ok) throw new Error(`could not store R2's value: HTTP ${response.status} ${await response.text()}`);
}

/**
 * The API (cache on, trusting the dev signing key, a rate limit no load reaches), R1 and R2, each on
 * its own workerd; every endpoint warmed up, then `requests` requests measured, in `rounds` rounds.
 */
export async function benchHotPath(options: HotPathOptions): Promise<HotPathRun> {
  const { publicKeyPem } = await ensureDevKeyPair();
  const vars = { ...workerVars(options.bindings, "on"), ...devWorkerVars(publicKeyPem), RATE_LIMIT_PER_MINUTE: "100000000" };
  const api = await startBundledWorker(options.scriptPath, vars, options.cleanup, "worker hot path");
  const stops = [api.stop];
  try {
    const settings: LoadSettings = {
      baseUrl: api.url,
      apiKey: options.apiKey,
      warmupSec: options.warmupSec,
      durationSec: options.warmupSec,
      connections: options.connections,
      requests: options.requests,
      roundTrips: options.roundTrips,
    };
    const list: Endpoint = { name: "cached list (API key)", kind: "list", path: LIST_PATH, pid: api.pid };
    // Fills the page, then reads it as cached: the bytes every reference answers.
    await probe(settings, list);
    const body = await (await fetch(`${api.url}${LIST_PATH}`, { headers: { "X-API-Key": options.apiKey } })).text();
    const firstId = (JSON.parse(body) as { items: Array<{ id: string }> }).items[0]!.id;
    await setReferenceValue(options.bindings, body);
    const r1 = await startBodyReference(body, options.cleanup);
    stops.push(r1.stop);
    const r2 = await startUpstashGetReference(options.bindings, REFERENCE_KEY, options.cleanup);
    stops.push(r2.stop);
    const jwt = { Authorization: `Bearer ${await signDevToken({ sub: `user_bench_hot_path_${Date.now()}` })}` };
    const endpoints: Endpoint[] = [
      { name: "R1 bare, same bytes", kind: "bare", path: "/", baseUrl: r1.url, pid: r1.pid },
      { name: "R2 bare + 1 Upstash GET", kind: "bare-upstash", path: "/", baseUrl: r2.url, pid: r2.pid },
      { name: "404 through the middleware", kind: "not-found", path: NOT_FOUND_PATH, pid: api.pid, status: 404 },
      list,
      { name: "cached detail (API key)", kind: "detail", path: `/api/marketplace/items/${firstId}`, pid: api.pid },
      { name: "cached list (JWT)", kind: "list", path: LIST_PATH, pid: api.pid, headers: jwt },
      { name: "cached detail (JWT)", kind: "detail", path: `/api/marketplace/items/${firstId}`, pid: api.pid, headers: jwt },
    ];
    options.log(`hot path: ${options.rounds} rounds of ${options.requests} requests per endpoint, ${options.connections} at a time, ${Buffer.byteLength(body)} bytes`);
    const rounds: Measurement[][] = endpoints.map(() => []);
    for (let round = 0; round < options.rounds; round++) {
      // Every endpoint once per round, so drift on a shared machine touches them all alike.
      for (const [i, endpoint] of endpoints.entries()) {
        const m = await measure(round === 0 ? settings : { ...settings, warmupSec: Math.min(1, settings.warmupSec) }, endpoint);
        options.log(
          `  ${`${endpoint.name} #${round + 1}`.padEnd(34)} cpu ${m.cpuMs === null ? "n/a" : m.cpuMs.toFixed(3)} ms/req  ${m.rps.toFixed(1).padStart(8)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  db ${m.roundTrips.database.toFixed(2)}, upstash ${m.roundTrips.upstash.toFixed(2)} per request`,
        );
        rounds[i]!.push(m);
      }
    }
    return { requests: options.requests, connections: options.connections, rounds: options.rounds, bytes: Buffer.byteLength(body), listPath: LIST_PATH, measurements: rounds.map(medianOf) };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

const fmt = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

const cpuOf = (run: HotPathRun, kind: Endpoint["kind"]) => run.measurements.find((m) => m.endpoint.kind === kind)?.cpuMs ?? null;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One endpoint's rounds as one row: the median of each figure, the requests summed. */
function medianOf(runs: Measurement[]): Measurement {
  const cpus = runs.map((m) => m.cpuMs).filter((c): c is number => c !== null);
  return {
    ...runs[0]!,
    rps: median(runs.map((m) => m.rps)),
    p50: median(runs.map((m) => m.p50)),
    p99: median(runs.map((m) => m.p99)),
    requests: runs.reduce((sum, m) => sum + m.requests, 0),
    roundTrips: { database: median(runs.map((m) => m.roundTrips.database)), upstash: median(runs.map((m) => m.roundTrips.upstash)) },
    cpuMs: cpus.length ? median(cpus) : null,
    cpuRounds: cpus,
  };
}

/** The section of the report: every endpoint's CPU per request and its ratios to R1 and R2, then the targets. */
export function renderHotPathSection(run: HotPathRun): string {
  const r1 = cpuOf(run, "bare");
  const r2 = cpuOf(run, "bare-upstash");
  const ratio = (cpu: number | null, reference: number | null) => (cpu !== null && reference ? fmt(cpu / reference, 2) : "n/a");
  const rows = run.measurements.map((m) => [
    m.endpoint.name,
    m.cpuMs === null ? "n/a" : fmt(m.cpuMs, 3),
    (m.cpuRounds ?? []).map((c) => fmt(c, 3)).join(", "),
    ratio(m.cpuMs, r1),
    ratio(m.cpuMs, r2),
    fmt(m.rps, 1),
    fmt(m.p50),
    fmt(m.p99),
    fmt(m.roundTrips.database, 2),
    fmt(m.roundTrips.upstash, 2),
  ]);
  const named = (name: string) => run.measurements.find((m) => m.endpoint.name === name)?.cpuMs ?? null;
  const target = (label: string, cpu: number | null, max: number) => {
    const value = cpu !== null && r2 ? cpu / r2 : null;
    return [label, value === null ? "n/a" : fmt(value, 2), `≤ ${fmt(max, 2)} × R2`, value === null ? "n/a" : value <= max ? "PASS" : "FAIL"];
  };
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const table = (header: string[], body: string[][]) => [line(header), line(header.map(() => "---")), ...body.map(line)].join("\n");
  return [
    "## Hot path: worker CPU per request (issue 32, design.md §43)",
    "",
    `Each endpoint: ${run.rounds} rounds (every endpoint once per round, so drift on a shared machine touches all alike) of ${fmt(run.requests)} requests, ${run.connections} at a time, after a warm-up; CPU = the serving workerd's user + system time (/proc/<pid>/stat) over those requests, per request; each figure is the median of the rounds (the CPU of each round is listed). R1 answers the cached list's ${fmt(run.bytes)} bytes of \`${run.listPath}\`; R2 makes one Upstash GET of the same value with \`Upstash-Encoding: base64\` and decodes it as @upstash/redis does. The JWT rows are served from isolate memory while the catalog generation is younger than CATALOG_FRESHNESS_MS (design.md §26, §32).`,
    "",
    table(["endpoint", "CPU ms/req (median)", "CPU ms/req per round", "× R1", "× R2", "req/s", "p50 ms", "p99 ms", "db queries/req", "Upstash req/req"], rows),
    "",
    table(["target", "measured", "target", "result"], [
      target("cached list (API key) CPU / R2", named("cached list (API key)"), CACHED_LIST_OVER_R2_MAX),
      target("404 through the middleware CPU / R2", named("404 through the middleware"), NOT_FOUND_OVER_R2_MAX),
    ]),
  ].join("\n");
}
