import { availableParallelism } from "node:os";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import type { StackBindings } from "./scripts/stack/stack";
import { MEMORY_TIER_FILES, SERIAL_FILES, TEST_TAGS } from "./test/suite-layout.ts";

// The suite's layout (issue 25): one local stack per run (test/global-setup.ts, at the root so
// every project shares it), and four projects in three groups.
// - Group 0, side by side: `workers` (the API inside workerd) and `node` (checks that need Node).
//   Test files are independent by design (each builds its own tenant; catalog tests filter on a
//   token of their own), so files run in parallel, and the workers project reuses one workerd per
//   Vitest worker for many files (`isolate: false`) instead of starting one per file.
// - Group 1, alone afterwards: `workers-serial`, the few files whose assertions need the catalog
//   to hold still while they run (global aggregates as deltas, cache hits that any approval
//   elsewhere would turn into misses); see test/suite-layout.ts.
// - Group 2, alone last: `workers-memory`, the catalog memory tier's own files, the only project
//   with CATALOG_FRESHNESS_MS at its default (design.md §47; the others run with 0).
// Tests are I/O-bound (they wait on the database and Redis), so every core runs a file, at least two.
const WORKERS = Math.max(2, availableParallelism());

/**
 * CATALOG_FRESHNESS_MS of a Workers project (design.md §47): 0 (no catalog read served from an
 * isolate's memory) everywhere but the memory tier's own project, which keeps the default.
 */
const NO_CATALOG_MEMORY = { CATALOG_FRESHNESS_MS: "0" };

function workersProject(
  name: string,
  files: { include: string[]; exclude: string[] },
  group: number,
  maxWorkers: number,
  extraBindings: Record<string, string> = NO_CATALOG_MEMORY,
): TestProjectInlineConfiguration {
  return {
    // The API inside workerd (the Workers runtime) against the real local stack: PostgreSQL behind
    // the Neon relay, redis-server behind the local Upstash endpoint, and miniflare's R2.
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            ...inject<StackBindings>("stack"),
            ENVIRONMENT: "test",
            ENABLE_TEST_ROUTES: "true",
            ENABLE_BENCH_ROUTES: "true",
            LOG_LEVEL: "warn",
            TEST_JWT_PRIVATE_KEY: inject<string>("jwtPrivateKey"),
            TEST_JWKS_BASE_URL: inject<string>("jwksBaseUrl"),
            TEST_PAUSABLE_CACHE_URL: inject<{ url: string }>("pausableCache").url,
            TEST_PAUSABLE_CACHE_TOKEN: inject<{ token: string }>("pausableCache").token,
            TEST_PAUSABLE_CACHE_CONTROL: inject<{ control: string }>("pausableCache").control,
            // Tests that exercise rate limiting use keys with their own low limits.
            RATE_LIMIT_PER_MINUTE: "100000",
            // Test requests carry no CF-Connecting-IP, so they all share one failed-key-lookup
            // bucket; the test of that limit sets its own (test/auth/key-limits.test.ts).
            API_KEY_LOOKUP_FAILURES_PER_MINUTE: "100000",
            // Generous on a loaded test machine, so a slow but healthy cache never fails open mid
            // rate-limit test; the hung-cache test goes back to the default deadline.
            CACHE_TIMEOUT_MS: "1000",
            CORS_ORIGINS: "https://frontend.test",
            // The contract fuzzer's seed (test/system/contract-fuzz.test.ts): set it to replay a run.
            FUZZ_SEED: process.env.FUZZ_SEED ?? "",
            ...extraBindings,
          },
        },
      })),
    ],
    test: {
      name,
      include: files.include,
      exclude: files.exclude,
      // One workerd per Vitest worker for many files; test/setup/isolate-caches.ts empties every
      // isolate-scope cache before each file, so no file sees what another left in memory.
      isolate: false,
      setupFiles: ["./test/setup/isolate-caches.ts"],
      maxWorkers,
      sequence: { groupOrder: group },
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}

export default defineConfig({
  test: {
    // Started once for the whole run; its URLs reach every project through `inject`.
    globalSetup: ["./test/global-setup.ts"],
    tags: TEST_TAGS,
    projects: [
      workersProject("workers", { include: ["test/**/*.test.ts"], exclude: ["test/node/**", "test/browser/**", ...SERIAL_FILES, ...MEMORY_TIER_FILES] }, 0, WORKERS),
      {
        // Checks that need Node itself (spec validators compile code, which workerd forbids; the
        // CLI, the bundled worker on Miniflare, the local servers).
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
          maxWorkers: WORKERS,
          sequence: { groupOrder: 0 },
          testTimeout: 30_000,
        },
      },
      workersProject("workers-serial", { include: SERIAL_FILES, exclude: [] }, 1, 1),
      // The catalog memory tier's own files, alone after the rest, with CATALOG_FRESHNESS_MS at its default.
      workersProject("workers-memory", { include: MEMORY_TIER_FILES, exclude: [] }, 2, 1, {}),
    ],
  },
});
