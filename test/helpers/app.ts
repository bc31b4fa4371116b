import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { createApp } from "../../src/app";
import type { Bindings } from "../../src/env";

/** Calls a fresh app with some bindings replaced (a dead cache, an unreachable database, ...). */
export async function callWithEnv(path: string, overrides: Partial<Bindings>, init?: RequestInit): Promise<Response> {
  const app = createApp();
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(new URL(path, "https://api.test"), init), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** A loopback port nothing listens on. */
export const DEAD_URL = "http://127.0.0.1:9";
