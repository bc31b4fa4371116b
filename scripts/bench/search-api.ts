// The search section's request-level figure (issue 13 item 3, "the uncached search p50"): the judged
// queries of test/catalog/search-judgements.ts as a client sends them, GET /api/marketplace/items on
// the bundled worker on Miniflare with the cache off, one request at a time, at each catalog size,
// the sizes' runs interleaved. bench/search.ts times the same queries without HTTP or the worker.
import { JUDGEMENTS } from "../../test/catalog/search-judgements";
import { LoadError } from "./load";

/** Timed requests per query and size after one warm-up request. */
export const API_RUNS = 15;
/** The page size the frontend asks for while the user types (as bench/search.ts). */
const PAGE = 20;

/** One catalog served by its own worker (cache off), with a catalog:read key of that catalog's database. */
export interface SearchApiTarget {
  size: number;
  url: string;
  apiKey: string;
}

export interface SearchApiRun {
  size: number;
  /** p50 of the whole request (response body read), ms, per judged query. */
  p50: Map<string, number>;
}

/** The middle value (the upper one of an even count), as bench/search.ts reports p50s. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timedRequest(target: SearchApiTarget, query: string): Promise<number> {
  const path = `/api/marketplace/items?limit=${PAGE}&search=${encodeURIComponent(query)}`;
  const started = performance.now();
  const response = await fetch(`${target.url}${path}`, { headers: { "X-API-Key": target.apiKey } });
  const body = await response.text();
  const elapsed = performance.now() - started;
  if (response.status !== 200) throw new LoadError(`search through the API at ${target.size}: ${path} answered ${response.status}: ${body.slice(0, 200)}`);
  return elapsed;
}

/**
 * Every judged query against every target: a warm-up request each, then API_RUNS rounds of one
 * request per target in turn (small, large, small, …), so a change in the machine's load weighs on
 * every size alike.
 */
export async function benchSearchApi(targets: SearchApiTarget[], log: (line: string) => void): Promise<SearchApiRun[]> {
  const runs = targets.map((t) => ({ size: t.size, p50: new Map<string, number>() }));
  for (const judgement of JUDGEMENTS) {
    for (const target of targets) await timedRequest(target, judgement.query);
    const times = targets.map(() => [] as number[]);
    for (let r = 0; r < API_RUNS; r++) for (const [i, target] of targets.entries()) times[i]!.push(await timedRequest(target, judgement.query));
    for (const [i, run] of runs.entries()) run.p50.set(judgement.query, median(times[i]!));
  }
  for (const run of runs) log(`  search through the API at ${run.size.toLocaleString("en-US")}: median p50 ${median([...run.p50.values()]).toFixed(1)} ms`);
  return runs;
}

/** The worst ratios of the largest to the smallest size, worst first. */
export function worstApiRatios(runs: SearchApiRun[]): Array<{ query: string; small: number; large: number; ratio: number }> {
  const small = runs[0]!;
  const large = runs[runs.length - 1]!;
  return JUDGEMENTS.map((j) => ({ query: j.query, small: small.p50.get(j.query)!, large: large.p50.get(j.query)! }))
    .map((r) => ({ ...r, ratio: r.large / r.small }))
    .sort((a, b) => b.ratio - a.ratio);
}
