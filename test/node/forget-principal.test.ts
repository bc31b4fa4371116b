import { randomBytes } from "node:crypto";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer } from "../../scripts/local/redis-server";
import { startUpstashShim } from "../../scripts/local/upstash-shim";
import { forgetCachedUser } from "../../scripts/stack/forget-principal";
import { userCacheKey } from "../../src/services/auth/principal-cache";

describe("npm run admin drops the worker's cached principal", () => {
  let bindings: Record<string, string>;
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    const redis = await startRedisServer({});
    closers.push(() => redis.close());
    const shim = await startUpstashShim({ redisPort: redis.port, token: randomBytes(8).toString("hex") });
    closers.push(() => shim.close());
    bindings = { UPSTASH_REDIS_REST_URL: shim.url, UPSTASH_REDIS_REST_TOKEN: shim.token };
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it("deletes the user's entry, so a role change is seen on the next request", async () => {
    const redis = new Redis({ url: bindings.UPSTASH_REDIS_REST_URL!, token: bindings.UPSTASH_REDIS_REST_TOKEN! });
    await redis.set(userCacheKey("user_promoted"), { systemRole: "user" });
    await redis.set(userCacheKey("user_other"), { systemRole: "user" });
    expect(await forgetCachedUser(bindings, "user_promoted")).toBe(true);
    expect(await redis.get(userCacheKey("user_promoted"))).toBeNull();
    expect(await redis.get(userCacheKey("user_other"))).not.toBeNull();
  });

  it("says so when no dev stack's cache can be reached", async () => {
    expect(await forgetCachedUser(undefined, "user_promoted")).toBe(false);
    expect(await forgetCachedUser({ UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "x" }, "user_promoted")).toBe(false);
  });
});
