import type { TestTagDefinition } from "vitest/config";

// How the suite is split (issue 25), read by vitest.config.ts and .ci/run.

/**
 * Files that need the catalog to hold still while they run, so they run one at a time after
 * everything else (the `workers-serial` project): global aggregates asserted as deltas around their
 * own writes (design.md §21), and cache hits of catalog pages, assembled contexts and plugin
 * content, which any approval or removal in a file running beside them would turn into misses (it
 * replaces the catalog generation, part of the first two's tags), and so would any takedown (a
 * version status change, a plugin deactivated, reactivated or deleted: it bumps the takedown
 * generation, part of the last two's tags, design.md §29). A file that asserts such a hit belongs
 * here, including one that shows a hit by removing what a miss would read (plugin content gone
 * from R2, yet still served).
 */
export const SERIAL_FILES = [
  // Drives the pausable redis-server to maxmemory (test/helpers/pausable-redis.ts), which any file
  // using it at the same time would feel.
  "test/auth/rate-limit-outage.test.ts",
  "test/catalog/aggregates.test.ts",
  "test/catalog/cache-fill-bounds.test.ts",
  "test/catalog/cache-keys.test.ts",
  "test/catalog/generation.test.ts",
  "test/catalog/list.test.ts",
  "test/lib/isolate-caches.test.ts",
  "test/plugins/assembled-context.test.ts",
  "test/plugins/browse-cache.test.ts",
  "test/plugins/browse-security.test.ts",
  "test/plugins/context-cache-bounds.test.ts",
  "test/plugins/context-cache.test.ts",
  "test/plugins/context-memory.test.ts",
  "test/plugins/plugin-content.test.ts",
  // The rescan works on every approved plugin version in the database (issue 28 item 4): run beside
  // other files it would scan, and might quarantine, their versions while they assert on them.
  "test/plugins/rescan.test.ts",
  "test/plugins/rescan-in-flight.test.ts",
  "test/plugins/takedown-cache.test.ts",
  // Asserts that a failed status change left the global takedown generation where it was, which any
  // takedown in a file running beside it (a report resolution's quarantine, say) would move.
  "test/versions/outbox.test.ts",
];

/**
 * The catalog memory tier's own files (design.md §47): they run in the `workers-memory` project,
 * alone and after everything else, with CATALOG_FRESHNESS_MS at its default (1,000 ms); every
 * other Workers project runs with 0, so no other file is served from an isolate's memory. Alone,
 * because they count the round trips at the stack's endpoints (any file running beside them would
 * add to the counts) and assert cache hits.
 */
export const MEMORY_TIER_FILES = ["test/catalog/memory-tier.test.ts"];

/**
 * `pglite`: the subset that also runs against the embedded database in CI (`.ci/run`), because it
 * exercises SQL whose behaviour may differ between PGlite (PostgreSQL 18 in WASM, one session) and
 * PostgreSQL 15: extensions, normalize(), advisory locks, SKIP LOCKED, generated columns, triggers,
 * migrations (design.md §47). Every test runs on PostgreSQL; concurrency tests only there. Tag a
 * whole file with a `// @module-tag pglite` line, or one test with `{ tags: ["pglite"] }`.
 */
export const TEST_TAGS: TestTagDefinition[] = [
  {
    name: "pglite",
    description: "Also run against the embedded database (PGlite): SQL whose behaviour may differ from PostgreSQL's (design.md §47).",
  },
];
