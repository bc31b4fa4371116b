import autocannon from "autocannon";
import { cpuTimeMs } from "./cpu";

export type EndpointKind = "bare" | "bare-upstash" | "floor" | "list" | "detail" | "not-found";

export interface Endpoint {
  /** Stable name used in tables and ratios: floor, list, list type, list category, list search, detail. */
  name: string;
  kind: EndpointKind;
  path: string;
  /** Another server than the API's (the bare worker). */
  baseUrl?: string;
  /** The workerd serving it, whose CPU time per request is reported (bench/cpu.ts). */
  pid?: number | null;
  /** The status every response must have (default: any 2xx). */
  status?: number;
  /** Request headers instead of the bench key's `X-API-Key`. */
  headers?: Record<string, string>;
}

/** Round trips counted at the local endpoints (the stack's counters). */
export interface RoundTripCounts {
  database: number;
  upstash: number;
}

/** One request made before the load: checks the endpoint works and shows what it returns. */
export interface Probe {
  bytes: number;
  /** `total` of a list (exact up to the cap), item count of the page. */
  total?: number;
  totalExact?: boolean;
  items?: number;
  /** X-Cache after the warm-up: hit means the measured run was served from Redis. */
  xCache?: string;
}

export interface Measurement {
  endpoint: Endpoint;
  probe: Probe;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  /** Per request of the measured run, counted at the Neon relay and the Upstash endpoint. */
  roundTrips: RoundTripCounts;
  /**
   * The worker's CPU time (its workerd's user + system time) per completed request of the
   * measured run, in milliseconds; null when the endpoint names no pid.
   */
  cpuMs: number | null;
  /** When the row sums several runs: each run's `cpuMs`. */
  cpuRounds?: number[];
}

export interface LoadSettings {
  baseUrl: string;
  apiKey: string;
  warmupSec: number;
  durationSec: number;
  connections: number;
  /** A fixed number of measured requests instead of `durationSec` (the CPU sections: issue 32). */
  requests?: number;
  /** Reads the stack's counters. */
  roundTrips(): RoundTripCounts;
}

/** Raised for any non-2xx (design.md §14: a 429 fails the benchmark) or connection error. */
export class LoadError extends Error {}

function describeStatuses(stats: Record<string, { count?: number }> | undefined): string {
  return Object.entries(stats ?? {})
    .map(([code, { count }]) => `${code}×${count ?? 0}`)
    .join(", ");
}

/** Slow uncached lists under load can take seconds; autocannon's default 10 s would count them as errors. */
const REQUEST_TIMEOUT_SEC = 30;

function failOnBadResponses(label: string, result: autocannon.Result, opts: { needSuccesses: boolean; status?: number }): void {
  const stats = result.statusCodeStats as Record<string, { count?: number }> | undefined;
  if (opts.status !== undefined) {
    const other = Object.keys(stats ?? {}).filter((code) => Number(code) !== opts.status);
    if (other.length > 0) throw new LoadError(`${label}: responses other than ${opts.status} (${describeStatuses(stats)})`);
    if (result.errors > 0 || result.timeouts > 0) throw new LoadError(`${label}: ${result.errors} connection errors, ${result.timeouts} timeouts`);
    return;
  }
  if (stats?.["429"]) {
    throw new LoadError(
      `${label}: ${stats["429"].count} responses were 429 Too Many Requests (${describeStatuses(stats)}). ` +
        "The bench key's rate_limit_per_minute should make that impossible (design.md §14); check the key and RATE_LIMIT_PER_MINUTE.",
    );
  }
  if (result.non2xx > 0) throw new LoadError(`${label}: ${result.non2xx} non-2xx responses (${describeStatuses(stats)})`);
  if (result.errors > 0 || result.timeouts > 0) {
    throw new LoadError(`${label}: ${result.errors} connection errors, ${result.timeouts} timeouts`);
  }
  // A short warm-up may end before a slow endpoint answers once; the measured run may not.
  if (opts.needSuccesses && result["2xx"] === 0) {
    throw new LoadError(`${label}: no response completed in the measured run; raise --duration`);
  }
}

function headersOf(settings: LoadSettings, endpoint: Endpoint): Record<string, string> {
  return endpoint.headers ?? { "X-API-Key": settings.apiKey };
}

function runAutocannon(settings: LoadSettings, endpoint: Endpoint, seconds: number, amount?: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${endpoint.baseUrl ?? settings.baseUrl}${endpoint.path}`,
    headers: headersOf(settings, endpoint),
    connections: settings.connections,
    ...(amount ? { amount } : { duration: seconds }),
    timeout: REQUEST_TIMEOUT_SEC,
    // A worker thread: the relay and the Upstash endpoint run on this process's event loop, and
    // generating load there would delay their answers and count that delay against the app.
    workers: 1,
  });
}

/** One plain request: must be 200, and for lists must parse and hold items. */
export async function probe(settings: LoadSettings, endpoint: Endpoint): Promise<Probe> {
  const response = await fetch(`${endpoint.baseUrl ?? settings.baseUrl}${endpoint.path}`, { headers: headersOf(settings, endpoint) });
  const text = await response.text();
  if (response.status === 429) throw new LoadError(`${endpoint.name}: 429 Too Many Requests on the first request: ${text}`);
  if (response.status !== (endpoint.status ?? 200)) throw new LoadError(`${endpoint.name}: HTTP ${response.status} for ${endpoint.path}: ${text.slice(0, 500)}`);
  const result: Probe = { bytes: Buffer.byteLength(text, "utf8"), xCache: response.headers.get("x-cache") ?? undefined };
  if (endpoint.kind === "list") {
    const body = JSON.parse(text) as { items: unknown[]; total: number; total_exact: boolean };
    if (body.items.length === 0) throw new LoadError(`${endpoint.name}: ${endpoint.path} returned no items; the benchmark would measure an empty page`);
    Object.assign(result, { total: body.total, totalExact: body.total_exact, items: body.items.length });
  }
  return result;
}

/** Warm-up, then the measured run; the figures come only from the measured run. */
export async function measure(settings: LoadSettings, endpoint: Endpoint): Promise<Measurement> {
  const first = await probe(settings, endpoint);
  failOnBadResponses(`${endpoint.name} (warm-up)`, await runAutocannon(settings, endpoint, settings.warmupSec), { needSuccesses: false, status: endpoint.status });
  const before = settings.roundTrips();
  const cpuBefore = endpoint.pid ? cpuTimeMs(endpoint.pid) : null;
  const started = performance.now();
  const result = await runAutocannon(settings, endpoint, settings.durationSec, settings.requests);
  const elapsedSec = (performance.now() - started) / 1000;
  const cpuAfter = endpoint.pid ? cpuTimeMs(endpoint.pid) : null;
  const after0 = settings.roundTrips();
  failOnBadResponses(endpoint.name, result, { needSuccesses: true, status: endpoint.status });
  // Requests still in flight when autocannon stops are counted at the endpoints but not as
  // completed; over thousands of requests that error is a fraction of a percent.
  const completed = Math.max(1, result.requests.total);
  const roundTrips = { database: (after0.database - before.database) / completed, upstash: (after0.upstash - before.upstash) / completed };
  // Probed again after the load: by now a cached endpoint must answer from Redis.
  const after = await probe(settings, endpoint);
  return {
    endpoint,
    probe: { ...first, xCache: after.xCache },
    // A fixed number of requests may end mid-second: then completed requests over the elapsed time.
    rps: settings.requests ? result.requests.total / elapsedSec : result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: endpoint.status === undefined ? result.non2xx : 0,
    roundTrips,
    cpuMs: cpuBefore !== null && cpuAfter !== null ? (cpuAfter - cpuBefore) / completed : null,
  };
}
