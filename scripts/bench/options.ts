import { parseArgs } from "node:util";

export interface BenchOptions {
  /** Seconds of measured load per endpoint. */
  durationSec: number;
  /** Seconds of unmeasured load first, so caches, JIT and connection pools are warm. */
  warmupSec: number;
  connections: number;
  /** Catalog sizes, smallest first; the p50 ratio compares the last with the first. */
  sizes: number[];
  quick: boolean;
  /** Only the install section, on the demo catalog (no catalog sizes). */
  installsOnly: boolean;
  /** Only the mixed-load section (90 % reads / 10 % installs), on the demo catalog. */
  mixedOnly: boolean;
  /** Only the assembled-context section (issue 15 item 6). */
  pluginsOnly: boolean;
  /** Sequential requests per case in the assembled-context section. */
  contextRequests: number;
  /** Only the search section (judged relevance and uncached latency), no worker, no load. */
  searchOnly: boolean;
  /** Only the scanner section (corpus rates, long-line scan time): no database, no stack. */
  scannerOnly: boolean;
  /** Only the hot-path section (worker CPU per request against R1 and R2, issue 32), on the demo catalog. */
  hotPathOnly: boolean;
  /** Measured requests per endpoint of the hot-path section. */
  hotPathRequests: number;
  /** Concurrent connections of the hot-path section (--connections when given, else 8). */
  hotPathConnections: number;
  /** Rounds over every hot-path endpoint (each figure is the median of its rounds). */
  hotPathRounds: number;
}

const USAGE = `npm run bench -- [--duration <s>] [--warmup <s>] [--connections <n>] [--sizes 1000,100000] [--quick] [--installs-only] [--mixed-only] [--plugins-only] [--context-requests <n>] [--search-only] [--scanner-only] [--hot-path-only] [--requests <n>] [--rounds <n>]
  --duration     measured seconds per endpoint (default 8; 2 with --quick)
  --warmup       warm-up seconds per endpoint (default 2; 1 with --quick)
  --connections  concurrent connections (default 10)
  --sizes        catalog sizes, comma-separated (default 1000,100000; 1000 with --quick)
  --quick        a short smoke run (shorter loads, the 1k catalog only unless --sizes says otherwise)
  --installs-only  only the install section (50 clients, 100 workspaces), on the demo catalog
  --mixed-only   only the mixed-load section (90 % reads / 10 % installs, 50 clients, 100 workspaces,
                 --warmup s of reads then --duration s), on the demo catalog
  --plugins-only   only the assembled-context section (5 plugins × 50 KB, cache miss vs hit)
  --context-requests  sequential requests per case in that section (default 100; 20 with --quick)
  --search-only  only the search section (judged queries: relevance and uncached p50) at each size
  --scanner-only   only the scanner section (labelled corpus rates, 1 MiB and 128 KB one-line scan time), no database
  --hot-path-only  only the hot-path section (worker CPU per request of the cached reads and a 404, against
                 R1 = a bare worker answering the same bytes and R2 = one Upstash GET of them), on the demo catalog
  --requests     measured requests per endpoint in the hot-path section (default 3000; 1000 with --quick),
                 8 at a time unless --connections says otherwise
  --rounds       rounds over every hot-path endpoint, each figure the median of its rounds (default 3; 1 with --quick)
Database: BENCH_DATABASE_URL if set, else a fresh Debian PostgreSQL cluster, else embedded PGlite.`;

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${raw}"\n${USAGE}`);
  return value;
}

function parseSizes(raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined) return fallback;
  const sizes = raw.split(",").map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1_000)) {
    throw new Error(`--sizes takes whole numbers of at least 1000 (the detail item is number 500), got "${raw}"\n${USAGE}`);
  }
  return [...new Set(sizes)].sort((a, b) => a - b);
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      quick: { type: "boolean", default: false },
      "installs-only": { type: "boolean", default: false },
      "mixed-only": { type: "boolean", default: false },
      "plugins-only": { type: "boolean", default: false },
      "context-requests": { type: "string" },
      "search-only": { type: "boolean", default: false },
      "scanner-only": { type: "boolean", default: false },
      "hot-path-only": { type: "boolean", default: false },
      requests: { type: "string" },
      rounds: { type: "string" },
      sizes: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const connections = positive("connections", values.connections, 10);
  if (!Number.isInteger(connections)) throw new Error(`--connections must be an integer\n${USAGE}`);
  return {
    durationSec: positive("duration", values.duration, quick ? 2 : 8),
    warmupSec: positive("warmup", values.warmup, quick ? 1 : 2),
    connections,
    // The two sizes; both are seeded into the same database, the second on top of the first.
    sizes: parseSizes(values.sizes, quick ? [1_000] : [1_000, 100_000]),
    quick,
    installsOnly: values["installs-only"] ?? false,
    mixedOnly: values["mixed-only"] ?? false,
    pluginsOnly: values["plugins-only"] ?? false,
    contextRequests: Math.ceil(positive("context-requests", values["context-requests"], quick ? 20 : 100)),
    searchOnly: values["search-only"] ?? false,
    scannerOnly: values["scanner-only"] ?? false,
    hotPathOnly: values["hot-path-only"] ?? false,
    hotPathRequests: Math.ceil(positive("requests", values.requests, quick ? 1000 : 3000)),
    hotPathConnections: values.connections === undefined ? 8 : connections,
    hotPathRounds: Math.ceil(positive("rounds", values.rounds, quick ? 1 : 3)),
  };
}
