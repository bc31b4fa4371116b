import type { Bindings } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {}
  }
}

declare module "vitest" {
  interface ProvidedContext {
    stack: Record<string, string>;
  }
}
