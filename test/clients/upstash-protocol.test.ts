import { env } from "cloudflare:workers";
import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, it } from "vitest";
import { uniqueToken } from "../helpers/factories";

// The local endpoint must encode replies exactly as Upstash does, so the client runs with its
// default decoding (base64 responses, auto-pipelining) as in production (design.md §17).
const redis = new Redis({ url: env.UPSTASH_REDIS_REST_URL!, token: env.UPSTASH_REDIS_REST_TOKEN!, retry: false });

describe("the local Upstash endpoint with the real client", () => {
  it("round-trips strings, numbers and JSON objects, with expiry and NX", async () => {
    const key = uniqueToken("k");
    expect(await redis.set(key, { a: 1, nested: ["x", "é"] }, { ex: 60 })).toBe("OK");
    expect(await redis.get(key)).toEqual({ a: 1, nested: ["x", "é"] });
    expect(await redis.set(key, "other", { nx: true })).toBeNull();
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await redis.incr(`${key}:n`)).toBe(1);
    expect(await redis.incrby(`${key}:n`, 5)).toBe(6);
    expect(await redis.get(`${key}:missing`)).toBeNull();
  });

  it("handles hashes, sorted sets, pipelines, transactions and scripts", async () => {
    const key = uniqueToken("h");
    await redis.hset(key, { name: "agent", count: 3 });
    expect(await redis.hgetall(key)).toEqual({ name: "agent", count: 3 });

    await redis.zadd(`${key}:z`, { score: 2, member: "b" }, { score: 1, member: "a" });
    expect(await redis.zrange(`${key}:z`, 0, -1)).toEqual(["a", "b"]);

    const pipeline = redis.pipeline();
    pipeline.set(`${key}:p`, "v");
    pipeline.get(`${key}:p`);
    pipeline.incr(`${key}:c`);
    expect(await pipeline.exec()).toEqual(["OK", "v", 1]);

    const tx = redis.multi();
    tx.incr(`${key}:c`);
    tx.get(`${key}:p`);
    expect(await tx.exec()).toEqual([2, "v"]);

    expect(await redis.eval("return ARGV[1] .. KEYS[1]", [`${key}:s`], ["x-"])).toBe(`x-${key}:s`);
  });

  it("reports command errors as errors", async () => {
    const key = uniqueToken("w");
    await redis.set(key, "text");
    await expect(redis.hget(key, "field")).rejects.toThrow(/WRONGTYPE/);
  });

  it("refuses a wrong token", async () => {
    const intruder = new Redis({ url: env.UPSTASH_REDIS_REST_URL!, token: "wrong", retry: false });
    await expect(intruder.get("anything")).rejects.toThrow();
  });
});
