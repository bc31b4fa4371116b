import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { cacheTimeoutMs, DEFAULT_CACHE_TIMEOUT_MS } from "../../src/clients/cache";
import { callWithEnv } from "../helpers/app";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createWorkspace } from "../helpers/factories";

// Issue 10, item 2: a Redis that accepts connections but never answers (the server paused with
// SIGSTOP) must not hang requests. This file uses a redis-server of its own (test/global-setup.ts),
// so pausing it stalls no other test file.
const clients = useDatabase();
const pausedCache = {
  UPSTASH_REDIS_REST_URL: env.TEST_PAUSABLE_CACHE_URL,
  UPSTASH_REDIS_REST_TOKEN: env.TEST_PAUSABLE_CACHE_TOKEN,
  // The production default (250 ms), not the suite's more patient setting.
  CACHE_TIMEOUT_MS: undefined,
};
const control = (action: "pause" | "resume") => fetch(`${env.TEST_PAUSABLE_CACHE_CONTROL}/${action}`, { method: "POST" });
/** Far below the 60 s and more a hung cache cost before, well above the 250 ms deadline per call. */
const BOUND_MS = 2000;

afterEach(async () => {
  await control("resume");
});

async function timed(path: string, headers: Record<string, string> = {}) {
  const started = Date.now();
  const response = await callWithEnv(path, pausedCache, { headers });
  return { response, ms: Date.now() - started };
}

describe("a paused redis-server", () => {
  it("leaves authenticated reads answering within the bound, rate limiting falling back to the isolate-local window", async () => {
    const { user, token } = await signedInUser(clients.pool);
    const { workspace } = await createWorkspace(clients.pool, { owner: user });
    const key = await createKey(clients.pool, workspace.id, { scopes: ["catalog:read", "keys:manage"], rateLimitPerMinute: 1000 });
    const asKey = { "X-API-Key": key.secret };
    const asUser = { ...bearer(token), "X-Workspace-ID": workspace.id };

    // Healthy first: the rate limiter answers through this cache.
    const warm = await timed("/api/marketplace/items?limit=5", asKey);
    expect(warm.response.status).toBe(200);
    expect(warm.response.headers.get("RateLimit-Limit")).toBe("1000");

    expect((await control("pause")).status).toBe(204);
    for (const [path, headers] of [
      ["/api/marketplace/items?limit=5", asKey],
      ["/api/marketplace/items?limit=5", asUser],
      ["/api/api-keys", asKey],
    ] as const) {
      const { response, ms } = await timed(path, headers);
      expect(response.status, path).toBe(200);
      expect(ms, path).toBeLessThan(BOUND_MS);
      // Never fail open (issue 26 item 4): the isolate-local window decides, and says so in the headers.
      expect(response.headers.get("RateLimit-Limit"), path).toBe(headers === asKey ? "1000" : response.headers.get("RateLimit-Limit"));
      expect(response.headers.get("RateLimit-Limit"), path).not.toBeNull();
    }
  });

  it("leaves /health answering within the bound, reporting the cache as failing", async () => {
    expect((await control("pause")).status).toBe(204);
    const { response, ms } = await timed("/health");
    expect(ms).toBeLessThan(BOUND_MS);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", cache: { status: "error" }, database: { status: "ok" } });
    await control("resume");
    const healthy = await timed("/health");
    expect(await healthy.response.json()).toMatchObject({ cache: { status: "ok" } });
  });
});

describe("CACHE_TIMEOUT_MS", () => {
  it("sets the deadline, falling back to 250 ms when unset or out of range", () => {
    expect(DEFAULT_CACHE_TIMEOUT_MS).toBe(250);
    expect(cacheTimeoutMs("120")).toBe(120);
    for (const value of [undefined, "", "abc", "0", "5", "1.5", "60000"]) expect(cacheTimeoutMs(value)).toBe(250);
  });
});
