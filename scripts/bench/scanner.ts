// The scanner section of `npm run bench` (issue 28 items 3 and 6; design.md §43): the labelled
// corpus's rates through the upload gate, and the gate's time on a 1 MiB single-line file and on a
// 128 KB one-line file (the issue's 5.6 s case). Pure: no database, stack or worker.
import { performance } from "node:perf_hooks";
import { SCANNER_ENGINE_VERSION } from "../../src/domain/scan-engine";
import { checkBundle } from "../../src/domain/bundle-check";
import { loadCorpus } from "../../test/fixtures/scanner-corpus/load";
import { classify, corpusRates, formatRates, type CorpusRates, type Outcome } from "../../test/fixtures/scanner-corpus/rates";

/** Targets of issue 28 item 3. */
const TARGET_CAUGHT_PERCENT = 100;
const TARGET_HELD_PERCENT = 5;
const RUNS = 5;

export interface LongLineRun {
  label: string;
  bytes: number;
  /** Median of the gate checks run, in milliseconds; undefined when skipped. */
  medianMs?: number;
  maxMs?: number;
  runs: number;
  outcome: string;
}

export interface ScannerRun {
  engineVersion: string;
  rates: CorpusRates;
  misses: Array<{ id: string; summary: string }>;
  held: Array<{ id: string; summary: string }>;
  longLines: LongLineRun[];
}

/**
 * Lines without a newline, the input on which a rule with `.*` after an alternation goes quadratic:
 * one word of the rules' vocabulary repeated (every position a new match start; the old engine
 * took about 0.5 s on 32 KB of "curl ", the issue's 5.6 s case at 128 KB), and a mix of that
 * vocabulary (download tools, shells, eval, encodings, URLs, variables) holding no complete
 * pipe-to-shell, so findings stay few.
 */
export const LONG_LINE_FILLERS = {
  "repeated curl": "curl ",
  "mixed vocabulary": "curl wget iwr irm iex eval exec base64 -d bash sh python node http://example.com/a $API_TOKEN %63 \\x63 \\u0063 ",
} as const;

export function longLine(unit: string, bytes: number): string {
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

/** A single check slower than this is not repeated, and a 128 KB check slower than it skips the 1 MiB one (64× longer if quadratic). */
const SLOW_MS = 2_000;

function bundleWith(line: string) {
  const manifest = {
    slug: "bench-long-line",
    name: "Bench Long Line",
    version: "1.0.0",
    description: "One long line.",
    author: "Bench",
    contents: { skills: ["skills/long/SKILL.md"] },
  };
  const encode = (text: string) => new TextEncoder().encode(text);
  return [
    { path: "manifest.json", bytes: encode(JSON.stringify(manifest)) },
    { path: "skills/long/SKILL.md", bytes: encode(line) },
  ];
}

function timeLongLine(label: string, unit: string, bytes: number): LongLineRun {
  const files = bundleWith(longLine(unit, bytes));
  const times: number[] = [];
  let outcome: Outcome | undefined;
  for (let i = 0; i < RUNS && !(times[0]! > SLOW_MS); i++) {
    const started = performance.now();
    outcome = classify(() => checkBundle(files));
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { label, bytes, medianMs: times[Math.floor(times.length / 2)]!, maxMs: times[times.length - 1]!, runs: times.length, outcome: outcome!.summary };
}

/** Each filler at 128 KB, then at 1 MiB unless the 128 KB line was already slow (a quadratic rule would take minutes). */
function timeLongLines(log: (line: string) => void): LongLineRun[] {
  const runs: LongLineRun[] = [];
  for (const [name, unit] of Object.entries(LONG_LINE_FILLERS)) {
    const small = timeLongLine(`128 KB one line, ${name}`, unit, 128 * 1024);
    runs.push(small);
    const big = `1 MiB one line, ${name}`;
    if (small.maxMs! > SLOW_MS) runs.push({ label: big, bytes: 1024 * 1024, runs: 0, outcome: `skipped: the 128 KB line took ${(small.maxMs! / 1000).toFixed(1)} s` });
    else runs.push(timeLongLine(big, unit, 1024 * 1024));
  }
  for (const r of runs) log(`scanner ${r.label}: ${r.medianMs === undefined ? r.outcome : `median ${r.medianMs.toFixed(1)} ms, max ${r.maxMs!.toFixed(1)} ms (${r.runs} runs)`}`);
  return runs;
}

/** Runs the corpus through the gate and times the long lines. Synchronous, a few seconds at most on a sound engine. */
export function benchScanner(log: (line: string) => void): ScannerRun {
  const results = loadCorpus().map((sample) => ({ ...sample, outcome: classify(() => checkBundle(sample.files)) }));
  const rates = corpusRates(results);
  log(`scanner corpus: ${formatRates(rates)}`);
  const longLines = timeLongLines(log);
  return {
    engineVersion: SCANNER_ENGINE_VERSION,
    rates,
    misses: results.filter((r) => r.label === "malicious" && !r.outcome.caught).map((r) => ({ id: r.id, summary: r.outcome.summary })),
    held: results.filter((r) => r.label === "benign" && (r.outcome.held || r.outcome.kind === "blocked")).map((r) => ({ id: r.id, summary: r.outcome.summary })),
    longLines,
  };
}

const mark = (ok: boolean) => (ok ? "met" : "**missed**");
const pct = (n: number) => `${n.toFixed(1)} %`;

export function renderScannerSection(run: ScannerRun): string {
  const r = run.rates;
  const lines = [
    `## Scanner (engine ${run.engineVersion})`,
    "",
    "The labelled corpus (test/fixtures/scanner-corpus, design.md §43) through the upload gate (src/domain/bundle-check.ts). Caught: refused, `blocked` or `review_required`; a scanner error is not a catch.",
    "",
    "| Measure | Count | Rate | Target |",
    "|---|---|---|---|",
    `| Malicious caught | ${r.caught} / ${r.malicious} | ${pct(r.caughtPercent)} | ${TARGET_CAUGHT_PERCENT} % (${mark(r.caughtPercent >= TARGET_CAUGHT_PERCENT)}) |`,
    `| Benign held (refused or review_required) | ${r.benignHeld} / ${r.benign} | ${pct(r.benignHeldPercent)} | ≤ ${TARGET_HELD_PERCENT} % (${mark(r.benignHeldPercent <= TARGET_HELD_PERCENT)}) |`,
    `| Benign blocked | ${r.benignBlocked} / ${r.benign} | ${pct(r.benignBlockedPercent)} | 0 (${mark(r.benignBlocked === 0)}) |`,
    "",
    `Gate time (manifest, listing, scan) on one long line without a newline (median of up to ${RUNS} runs; one run when it takes over ${SLOW_MS / 1000} s):`,
    "",
    "| Input | Median ms | Max ms | Runs | Outcome |",
    "|---|---|---|---|---|",
    ...run.longLines.map((l) => `| ${l.label} (${l.bytes.toLocaleString("en-US")} bytes) | ${l.medianMs?.toFixed(1) ?? "—"} | ${l.maxMs?.toFixed(1) ?? "—"} | ${l.runs} | ${l.outcome.slice(0, 80)} |`),
  ];
  const list = (title: string, rows: Array<{ id: string; summary: string }>) =>
    rows.length ? ["", `${title} (${rows.length}):`, "", ...rows.slice(0, 60).map((m) => `- \`${m.id}\`: ${m.summary.slice(0, 160)}`), ...(rows.length > 60 ? [`- … and ${rows.length - 60} more`] : [])] : [];
  lines.push(...list("Malicious samples not caught", run.misses), ...list("Benign samples held or blocked", run.held));
  return lines.join("\n");
}
