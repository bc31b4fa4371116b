import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { Bindings } from "../../src/env";

// The pausable redis-server (test/global-setup.ts) behind its own Upstash endpoint: a cache a test
// file may drive to `maxmemory`, where it refuses every memory-growing write with OOM but still
// answers reads and DEL, as a full Redis does. Changing its configuration affects every file using
// it at the same time, so a file that calls `refuseWrites` is listed in SERIAL_FILES
// (test/suite-layout.ts) and calls `recover` in a finally block and in afterAll.

/** Bindings that point the worker at the pausable redis-server. */
export const PAUSABLE_CACHE: Partial<Bindings> = { UPSTASH_REDIS_REST_URL: env.TEST_PAUSABLE_CACHE_URL, UPSTASH_REDIS_REST_TOKEN: env.TEST_PAUSABLE_CACHE_TOKEN };

/** One raw command to the pausable redis-server, through its Upstash endpoint. */
export async function pausableRedis(...command: string[]): Promise<{ result?: unknown; error?: string }> {
  const response = await fetch(env.TEST_PAUSABLE_CACHE_URL, {
    method: "POST",
    headers: { Authorization: `Bearer ${env.TEST_PAUSABLE_CACHE_TOKEN}` },
    body: JSON.stringify(command),
  });
  return (await response.json()) as { result?: unknown; error?: string };
}

let saved: { maxmemory: string; policy: string } | undefined;

/** Redis refusing writes: maxmemory far below what it holds, nothing evictable. Proven with a SET. */
export async function refuseWrites(): Promise<void> {
  const [, maxmemory] = (await pausableRedis("CONFIG", "GET", "maxmemory")).result as [string, string];
  const [, policy] = (await pausableRedis("CONFIG", "GET", "maxmemory-policy")).result as [string, string];
  saved ??= { maxmemory, policy };
  expect((await pausableRedis("CONFIG", "SET", "maxmemory-policy", "noeviction")).result).toBe("OK");
  expect((await pausableRedis("CONFIG", "SET", "maxmemory", "1")).result).toBe("OK");
  expect((await pausableRedis("SET", `probe:${crypto.randomUUID()}`, "x")).error).toMatch(/^OOM/);
}

/** Redis recovers: the configuration as it was before `refuseWrites`. Safe to call when nothing was changed. */
export async function recover(): Promise<void> {
  if (!saved) return;
  await pausableRedis("CONFIG", "SET", "maxmemory", saved.maxmemory);
  await pausableRedis("CONFIG", "SET", "maxmemory-policy", saved.policy);
  expect((await pausableRedis("SET", `probe:${crypto.randomUUID()}`, "x", "EX", "10")).result).toBe("OK");
}
