import type { Bindings } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_JWT_PRIVATE_KEY: string;
    }
  }
}

declare module "vitest" {
  interface ProvidedContext {
    stack: Record<string, string>;
    jwtPrivateKey: string;
  }
}
