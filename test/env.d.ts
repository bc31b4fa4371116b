import type { Bindings } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_JWT_PRIVATE_KEY: string;
      TEST_JWKS_BASE_URL: string;
      TEST_PAUSABLE_CACHE_URL: string;
      TEST_PAUSABLE_CACHE_TOKEN: string;
      TEST_PAUSABLE_CACHE_CONTROL: string;
      /** The contract fuzzer's seed; empty for the fixed default. */
      FUZZ_SEED: string;
    }
  }
}

declare module "vitest" {
  interface ProvidedContext {
    stack: Record<string, string>;
    jwtPrivateKey: string;
    jwksBaseUrl: string;
    pausableCache: { url: string; token: string; control: string };
    /** The test database server's `postgres` database (node tests create their own there); "" on PGlite. */
    databaseServer: string;
  }
}
