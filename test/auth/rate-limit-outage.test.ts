// @module-tag pglite (issue 26 item 4: keys and principals come from the database while Redis refuses writes)
import { afterAll, describe, expect, it } from "vitest";
import { LocalRateLimiter, RATE_LIMIT_WINDOW_MS } from "../../src/services/rate-limit";
import { callWithEnv, DEAD_URL } from "../helpers/app";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createWorkspace } from "../helpers/factories";
import { jsonRequest, problem } from "../helpers/http";
import { PAUSABLE_CACHE, pausableRedis, recover, refuseWrites } from "../helpers/pausable-redis";

// Issue 26 item 4, rate limits: a full Redis (maxmemory, noeviction: OOM on writes, so the hot-path
// script's INCR fails) or a Redis that is down never lifts anyone's limit. The decision then comes
// from the isolate's own sliding window at the same per-minute limit (services/rate-limit.ts);
// reads and writes stay available within it. Real redis-server throughout (the pausable one,
// driven to maxmemory and restored); serial (test/suite-layout.ts), since that affects any file
// using it at the same time.

const clients = useDatabase();
const db = () => clients.pool;
const NO_CACHE = { UPSTASH_REDIS_REST_URL: DEAD_URL, CACHE_TIMEOUT_MS: "200" };

afterAll(async () => {
  // Whatever failed, the pausable redis-server leaves as it came.
  await recover();
});

/** A key of its own workspace with `limit` requests a minute. */
async function limitedKey(limit: number) {
  const { workspace } = await createWorkspace(db());
  const key = await createKey(db(), workspace.id, { rateLimitPerMinute: limit });
  return { workspace, headers: { "X-API-Key": key.secret } };
}

describe("rate limits with Redis refusing writes (happy: the limit holds, reads and writes go on)", () => {
  it("a key over its limit is refused with 429 while Redis answers OOM; another key and a user's catalog read are served; a write under the limit succeeds", async () => {
    const busy = await limitedKey(2);
    const quiet = await limitedKey(2);
    const { token } = await signedInUser(db());
    try {
      await refuseWrites();
      for (let i = 0; i < 2; i++) {
        const allowed = await callWithEnv("/api/api-keys", PAUSABLE_CACHE, { headers: busy.headers });
        expect(allowed.status).toBe(200);
        expect(allowed.headers.get("ratelimit-limit")).toBe("2");
        expect(allowed.headers.get("ratelimit-remaining")).toBe(String(1 - i));
      }
      const refused = await callWithEnv("/api/api-keys", PAUSABLE_CACHE, { headers: busy.headers });
      expect(refused.status).toBe(429);
      expect((await problem(refused)).code).toBe("rate_limited");
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Redis really refused all along: the script's INCR answered OOM, so nothing was counted there.
      expect((await pausableRedis("SET", `probe:${crypto.randomUUID()}`, "x")).error).toMatch(/^OOM/);

      // The limit is per principal, as in Redis: another key is not refused for the first one.
      expect((await callWithEnv("/api/api-keys", PAUSABLE_CACHE, { headers: quiet.headers })).status).toBe(200);
      // Catalog reads stay available.
      const catalog = await callWithEnv("/api/marketplace/items?limit=1", PAUSABLE_CACHE, { headers: bearer(token) });
      expect(catalog.status).toBe(200);
      // Writes are not failed closed: within its limit a key still writes.
      const created = await callWithEnv("/api/api-keys", PAUSABLE_CACHE, jsonRequest("POST", { name: "made during OOM", scopes: ["catalog:read"] }, quiet.headers));
      expect(created.status).toBe(201);
    } finally {
      await recover();
    }
  });
});

describe("rate limits with Redis refusing writes or down (security: nobody's limit is lifted)", () => {
  it("with Redis refusing writes, a user past the deployment default is refused, writes included", async () => {
    const { token } = await signedInUser(db());
    const limited = { ...PAUSABLE_CACHE, RATE_LIMIT_PER_MINUTE: "2" };
    try {
      await refuseWrites();
      expect((await callWithEnv("/api/workspaces", limited, { headers: bearer(token) })).status).toBe(200);
      expect((await callWithEnv("/api/workspaces", limited, { headers: bearer(token) })).status).toBe(200);
      const write = await callWithEnv("/api/workspaces", limited, jsonRequest("POST", { name: `Over the limit ${crypto.randomUUID()}` }, bearer(token)));
      expect(write.status).toBe(429);
      expect((await problem(write)).code).toBe("rate_limited");
      expect((await callWithEnv("/api/workspaces", limited, { headers: bearer(token) })).status).toBe(429);
    } finally {
      await recover();
    }
  });

  it("with Redis down, a key's limit holds for catalog reads too", async () => {
    const key = await limitedKey(3);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await callWithEnv("/api/marketplace/items?limit=1", NO_CACHE, { headers: key.headers })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it("when Redis recovers, Redis decides again (its own count, from zero)", async () => {
    const key = await limitedKey(1);
    try {
      await refuseWrites();
      expect((await callWithEnv("/api/api-keys", PAUSABLE_CACHE, { headers: key.headers })).status).toBe(200);
      expect((await callWithEnv("/api/api-keys", PAUSABLE_CACHE, { headers: key.headers })).status).toBe(429);
    } finally {
      await recover();
    }
    // Redis counted nothing while it refused writes: the first request after is its first.
    const after = await callWithEnv("/api/api-keys", PAUSABLE_CACHE, { headers: key.headers });
    expect(after.status).toBe(200);
    expect(after.headers.get("ratelimit-remaining")).toBe("0");
    expect((await callWithEnv("/api/api-keys", PAUSABLE_CACHE, { headers: key.headers })).status).toBe(429);
  });
});

describe("LocalRateLimiter (the isolate-local window)", () => {
  const minute = 1_000 * RATE_LIMIT_WINDOW_MS;

  it("slides: the previous minute's count weighs by its overlap with the sliding minute", () => {
    const limiter = new LocalRateLimiter(100);
    const one = [{ subject: "a", limit: 4 }];
    for (let i = 0; i < 4; i++) expect(limiter.hit(one, minute + 1_000).allowed).toBe(true);
    expect(limiter.hit(one, minute + 2_000)).toMatchObject({ allowed: false, limit: 4, remaining: 0, resetSeconds: 58 });
    // A quarter into the next minute the previous four weigh three: one more fits.
    expect(limiter.hit(one, minute + RATE_LIMIT_WINDOW_MS * 1.25)).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.hit(one, minute + RATE_LIMIT_WINDOW_MS * 1.25).allowed).toBe(false);
    // Two minutes on, nothing weighs.
    expect(limiter.hit(one, minute + RATE_LIMIT_WINDOW_MS * 3)).toMatchObject({ allowed: true, remaining: 3 });
  });

  it("counts a request in every window it belongs to, and refuses it (counting nothing) when any is full", () => {
    const limiter = new LocalRateLimiter(100);
    const parent = { subject: "parent", limit: 2 };
    expect(limiter.hit([{ subject: "child", limit: 10 }, parent], minute)).toMatchObject({ allowed: true, limit: 2, remaining: 1 });
    expect(limiter.hit([parent], minute).allowed).toBe(true);
    expect(limiter.hit([{ subject: "child", limit: 10 }, parent], minute)).toMatchObject({ allowed: false, limit: 2 });
    // The refused request was not counted in the child's window.
    expect(limiter.hit([{ subject: "child", limit: 2 }], minute)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it("holds at most maxSubjects subjects, the least recently counted dropped first", () => {
    const limiter = new LocalRateLimiter(3);
    for (const subject of ["a", "b", "c"]) limiter.hit([{ subject, limit: 1 }], minute);
    expect(limiter.hit([{ subject: "a", limit: 1 }], minute).allowed).toBe(false); // a is now the most recent
    limiter.hit([{ subject: "d", limit: 1 }], minute);
    expect(limiter.size).toBe(3);
    expect(limiter.hit([{ subject: "a", limit: 1 }], minute).allowed).toBe(false);
    // b was the least recently counted: dropped, so it starts again.
    expect(limiter.hit([{ subject: "b", limit: 1 }], minute).allowed).toBe(true);
  });
});
