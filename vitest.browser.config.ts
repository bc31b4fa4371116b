import { defineConfig } from "vitest/config";

// The docs UI in a real browser (issue 17 item 4): Debian's chromium driven by playwright-core.
// Its own config, run once per CI by .ci/run (`npm run test:browser`), not by `npm test`, which CI
// runs twice (PGlite, then PostgreSQL) and which needs no browser on a developer's machine.
export default defineConfig({
  test: {
    name: "browser",
    environment: "node",
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});
