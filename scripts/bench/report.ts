import type { ExplainedQuery } from "./explain";
import { renderInstallSection, type InstallRun } from "./installs";
import type { Measurement } from "./load";
import { renderMixedSection, type MixedRun } from "./mixed";
import type { CacheMode } from "./worker";

export interface ModeRun {
  /** The catalog size asked for, and the marketplace items actually present. */
  size: number;
  itemCount: number;
  mode: CacheMode;
  /** os.loadavg() when the run started: a busy machine explains odd figures. */
  loadAverage: string;
  measurements: Measurement[];
}

export interface ReportInput {
  startedAt: Date;
  elapsedSec: number;
  database: { name: string; version: string };
  versions: Record<string, string>;
  settings: { warmupSec: number; durationSec: number; connections: number; quick: boolean };
  fixtures: Record<string, string>;
  runs: ModeRun[];
  explains: ExplainedQuery[];
  installs?: InstallRun;
  mixed?: MixedRun;
}

/** Targets from issue 11: against the bare worker measured in the same run. */
const CACHED_LIST_OVER_BARE_MIN = 0.5;
const FLOOR_OVER_BARE_MIN = 0.7;
const DETAIL_P50_GROWTH_MAX = 1.2;

/** The summary: bare, floor, cached list, cached detail, uncached list per size. */
function summary(runs: ModeRun[], sizes: number[]): string {
  const rows: string[][] = [];
  const targets: string[][] = [];
  for (const size of sizes) {
    const bare = find(runs, size, "on", "bare");
    const picks: Array<[string, Measurement | undefined]> = [
      ["bare", bare],
      ["bare + 1 Upstash round trip", find(runs, size, "on", "bare + upstash")],
      ["floor", find(runs, size, "on", "floor")],
      ["cached list", find(runs, size, "on", "list")],
      ["cached detail", find(runs, size, "on", "detail")],
      ["uncached list", find(runs, size, "off", "list")],
      ["uncached detail", find(runs, size, "off", "detail")],
    ];
    for (const [label, m] of picks) {
      if (!m) continue;
      const ratio = bare && bare.rps > 0 ? fmt(m.rps / bare.rps, 2) : "";
      rows.push([sizeLabel(size), label, fmt(m.rps, 1), fmt(m.p50), fmt(m.p99), fmt(m.roundTrips.database, 2), fmt(m.roundTrips.upstash, 2), ratio]);
    }
    const floor = floorRps(runs, size, "on");
    const list = find(runs, size, "on", "list");
    const bareUpstash = find(runs, size, "on", "bare + upstash");
    // Reported, not a target: how close the API's floor comes to the cheapest worker that makes the
    // same one Upstash round trip, i.e. the API's own overhead once the local round trip is paid.
    if (bareUpstash && floor !== undefined) targets.push([sizeLabel(size), "floor / (bare + 1 Upstash round trip) (req/s)", fmt(floor / bareUpstash.rps, 2), "—", "reported"]);
    if (bare && floor !== undefined) targets.push([sizeLabel(size), "floor / bare (req/s, mean of both floors)", fmt(floor / bare.rps, 2), `≥ ${FLOOR_OVER_BARE_MIN}`, verdict(floor / bare.rps >= FLOOR_OVER_BARE_MIN)]);
    if (bare && list) targets.push([sizeLabel(size), "cached list / bare (req/s)", fmt(list.rps / bare.rps, 2), `≥ ${CACHED_LIST_OVER_BARE_MIN}`, verdict(list.rps / bare.rps >= CACHED_LIST_OVER_BARE_MIN)]);
    for (const name of ["list", "detail"]) {
      const m = find(runs, size, "on", name);
      if (m) targets.push([sizeLabel(size), `cached ${name}: db queries, Upstash requests per request`, `${fmt(m.roundTrips.database, 2)}, ${fmt(m.roundTrips.upstash, 2)}`, "0, 1", verdict(m.roundTrips.database < 0.01 && Math.abs(m.roundTrips.upstash - 1) < 0.02)]);
    }
  }
  if (sizes.length > 1) {
    const a = find(runs, sizes[0]!, "off", "detail");
    const b = find(runs, sizes[sizes.length - 1]!, "off", "detail");
    if (a && b && a.p50 > 0) {
      const ratio = b.p50 / a.p50;
      targets.push([`${sizeLabel(sizes[sizes.length - 1]!)} / ${sizeLabel(sizes[0]!)}`, "uncached detail p50", fmt(ratio, 2), `≤ ${DETAIL_P50_GROWTH_MAX}`, verdict(ratio <= DETAIL_P50_GROWTH_MAX)]);
    }
  }
  return [
    "## Summary (issue 11)",
    "",
    "Round trips are counted at the local endpoints (queries at the Neon relay: HTTP /sql requests plus Sync/Query cycles on WebSockets; HTTP requests at the Upstash endpoint), per completed request, waitUntil work included. Runs longer than the 60 s TTLs include the refills of expired pages and principals (a principal reload is one query plus the deferred last_used_at write), so measured counts sit slightly above the exact 0 and 1 that test/node/round-trips.test.ts asserts.",
    "",
    table(["size", "request", "req/s", "p50 ms", "p99 ms", "db queries/req", "Upstash req/req", "× bare req/s"], rows),
    "",
    table(["size", "target", "measured", "target", "result"], targets),
  ].join("\n");
}

/** Targets from the issue. */
const CACHED_OVER_FLOOR_MIN = 0.5;
const UNCACHED_P50_GROWTH_MAX = 1.5;
/** Lists whose p50 growth is a target; search is only reported (its cost follows its matches). */
const GROWTH_TARGETED = new Set(["list", "list type", "list category"]);

const fmt = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const sizeLabel = (size: number) => (size >= 1000 ? `${size / 1000}k` : String(size));

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function runTable(run: ModeRun): string {
  const rows = run.measurements.map((m) => [
    m.endpoint.name,
    `\`${m.endpoint.path}\``,
    fmt(m.probe.bytes),
    m.probe.total === undefined ? "" : `${fmt(m.probe.total)}${m.probe.totalExact === false ? " (est.)" : ""}`,
    fmt(m.rps, 1),
    fmt(m.p50),
    fmt(m.p99),
    fmt(m.requests),
    String(m.non2xx),
    m.probe.xCache ?? "",
    fmt(m.roundTrips.database, 2),
    fmt(m.roundTrips.upstash, 2),
    m.cpuMs === null ? "n/a" : fmt(m.cpuMs, 3),
  ]);
  return table(["endpoint", "path", "bytes", "total", "req/s", "p50 ms", "p99 ms", "requests", "non-2xx", "X-Cache", "db queries/req", "Upstash req/req", "worker CPU ms/req"], rows);
}

function find(runs: ModeRun[], size: number, mode: CacheMode, name: string): Measurement | undefined {
  return runs.find((r) => r.size === size && r.mode === mode)?.measurements.find((m) => m.endpoint.name === name);
}

const verdict = (pass: boolean) => (pass ? "PASS" : "FAIL");

/** Mean throughput of the floor runs (before and after the lists) of one size and mode. */
function floorRps(runs: ModeRun[], size: number, mode: CacheMode): number | undefined {
  const floors = runs.find((r) => r.size === size && r.mode === mode)?.measurements.filter((m) => m.endpoint.kind === "floor") ?? [];
  return floors.length ? floors.reduce((sum, m) => sum + m.rps, 0) / floors.length : undefined;
}

/** (a) cache on: each list's throughput over the floor's, per size. */
function cachedRatios(runs: ModeRun[], sizes: number[]): string[][] {
  const rows: string[][] = [];
  for (const size of sizes) {
    const floor = floorRps(runs, size, "on");
    const lists = runs.find((r) => r.size === size && r.mode === "on")?.measurements.filter((m) => m.endpoint.kind === "list") ?? [];
    for (const list of lists) {
      if (!floor) continue;
      const ratio = list.rps / floor;
      rows.push([sizeLabel(size), list.endpoint.name, fmt(list.rps, 1), fmt(floor, 1), fmt(ratio, 2), `≥ ${CACHED_OVER_FLOOR_MIN}`, verdict(ratio >= CACHED_OVER_FLOOR_MIN)]);
    }
  }
  return rows;
}

/** (b) cache off: p50 at the large size over p50 at the small one. */
function growthRatios(runs: ModeRun[], small: number, large: number): string[][] {
  const rows: string[][] = [];
  const names = runs.find((r) => r.size === small && r.mode === "off")?.measurements.filter((m) => m.endpoint.kind !== "floor").map((m) => m.endpoint.name) ?? [];
  for (const name of names) {
    const a = find(runs, small, "off", name);
    const b = find(runs, large, "off", name);
    if (!a || !b) continue;
    const ratio = a.p50 > 0 ? b.p50 / a.p50 : Number.NaN;
    const targeted = GROWTH_TARGETED.has(name);
    const result = Number.isNaN(ratio) ? "n/a" : targeted ? verdict(ratio <= UNCACHED_P50_GROWTH_MAX) : "reported";
    rows.push([name, fmt(a.p50), fmt(b.p50), Number.isNaN(ratio) ? "n/a" : fmt(ratio, 2), targeted ? `≤ ${UNCACHED_P50_GROWTH_MAX}` : "—", result]);
  }
  return rows;
}

function explainSection(explains: ExplainedQuery[]): string {
  if (explains.length === 0) return "";
  const summary = table(["query", "plan uses"], explains.map((e) => [e.title, e.summary]));
  const plans = explains.map((e) => `### ${e.title}\n\n\`\`\`sql\n${e.sql}\n-- params: ${JSON.stringify(e.params)}\n\`\`\`\n\n\`\`\`\n${e.plan}\n\`\`\``).join("\n\n");
  return `## EXPLAIN (ANALYZE, BUFFERS) at the largest size\n\n${summary}\n\n${plans}\n`;
}

export function renderReport(input: ReportInput): string {
  const sizes = [...new Set(input.runs.map((r) => r.size))].sort((a, b) => a - b);
  const small = sizes[0] ?? 0;
  const large = sizes[sizes.length - 1] ?? 0;
  const s = input.settings;
  const header = [
    `# ${input.runs.length ? "Catalog" : input.installs ? "Install" : "Mixed-load"} benchmark — ${input.startedAt.toISOString()}`,
    "",
    `- Database: ${input.database.name}`,
    `- Server: ${input.database.version}`,
    ...Object.entries(input.versions).map(([k, v]) => `- ${k}: ${v}`),
    `- Load: autocannon, ${s.connections} connections, ${s.warmupSec} s warm-up + ${s.durationSec} s measured per endpoint${s.quick ? " (--quick)" : ""}`,
    ...Object.entries(input.fixtures).map(([k, v]) => `- ${k}: ${v}`),
    `- Took ${fmt(input.elapsedSec, 0)} s`,
    "",
    "Cache off = no Upstash settings: every request reaches the database, and rate limiting is off too (for the floor as well).",
  ].join("\n");
  const runs = input.runs
    .map((r) => `## ${sizeLabel(r.size)} catalog (${fmt(r.itemCount)} marketplace items), cache ${r.mode}\n\nLoad average at start: ${r.loadAverage}\n\n${runTable(r)}`)
    .join("\n\n");
  const installs = input.installs ? renderInstallSection(input.installs) : "";
  const mixed = input.mixed ? renderMixedSection(input.mixed) : "";
  if (input.runs.length === 0) return [header, installs, mixed].filter(Boolean).join("\n\n");
  const ratiosA = table(["size", "list", "list req/s", "floor req/s (mean of both runs)", "ratio", "target", "result"], cachedRatios(input.runs, sizes));
  const ratiosB = table(["endpoint", `p50 ${sizeLabel(small)} ms`, `p50 ${sizeLabel(large)} ms`, "ratio", "target", "result"], growthRatios(input.runs, small, large));
  return [
    header,
    summary(input.runs, sizes),
    runs,
    `## Ratios\n\n### (a) cached list throughput / floor throughput (cache on)\n\n${ratiosA}`,
    `### (b) uncached p50 at ${sizeLabel(large)} / p50 at ${sizeLabel(small)} (cache off)\n\n${ratiosB}`,
    explainSection(input.explains),
    installs,
    mixed,
  ].filter(Boolean).join("\n\n");
}
