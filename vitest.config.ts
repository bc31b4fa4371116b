import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { StackBindings } from "./scripts/stack/stack";

export default defineConfig({
  test: {
    projects: [
      {
        // The API inside workerd (the Workers runtime) against the real local stack, started once per
        // run by test/global-setup.ts: PostgreSQL behind the Neon relay, redis-server behind the local
        // Upstash endpoint, and miniflare's R2.
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
                // Generous on a loaded test machine, so a slow but healthy cache never fails open mid
                // rate-limit test; the hung-cache test goes back to the default deadline.
                CACHE_TIMEOUT_MS: "1000",
                CORS_ORIGINS: "https://frontend.test",
                // The contract fuzzer's seed (test/system/contract-fuzz.test.ts): set it to replay a run.
                FUZZ_SEED: process.env.FUZZ_SEED ?? "",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          globalSetup: ["./test/global-setup.ts"],
          include: ["test/**/*.test.ts"],
          exclude: ["test/node/**", "test/browser/**"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Checks that need Node itself (spec validators compile code, which workerd forbids).
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
