import { Redis } from "@upstash/redis";
import { Checks, eq, ok, rejects } from "./selfcheck-harness.ts";
import type { UpstashShim } from "./upstash-shim.ts";

/** Exercises the shim through the real @upstash/redis client (default options, no retries). */
export async function checkUpstash(checks: Checks, shim: UpstashShim): Promise<void> {
  const redis = new Redis({ url: shim.url, token: shim.token, retry: false });
  const c = (name: string, fn: () => unknown): Promise<boolean> => checks.run(`upstash: ${name}`, fn);

  await c("flushdb + ping", async () => {
    eq(await redis.flushdb(), "OK", "flushdb");
    eq(await redis.ping(), "PONG", "ping (a status reply other than OK)");
  });
  await c("set/get with ex, ttl, pttl", async () => {
    eq(await redis.set("s:ex", "v1", { ex: 100 }), "OK", "set ex");
    eq(await redis.get("s:ex"), "v1", "get");
    const ttl = await redis.ttl("s:ex");
    ok(ttl > 0 && ttl <= 100, `ttl in (0,100], got ${ttl}`);
    const pttl = await redis.pttl("s:ex");
    ok(pttl > 0 && pttl <= 100_000, `pttl in (0,100000], got ${pttl}`);
    eq(await redis.set("s:px", "v", { px: 5000 }), "OK", "set px");
  });
  await c("set nx / xx", async () => {
    eq(await redis.set("s:ex", "other", { nx: true }), null, "set nx on existing key");
    eq(await redis.get("s:ex"), "v1", "value unchanged");
    eq(await redis.set("s:new", "x", { xx: true }), null, "set xx on missing key");
    eq(await redis.set("s:new", "x", { nx: true }), "OK", "set nx on missing key");
  });
  await c("string values that look special", async () => {
    await redis.set("s:ok", "OK");
    eq(await redis.get("s:ok"), "OK", "bulk 'OK'");
    await redis.set("s:uni", "héllo ✓ 日本");
    eq(await redis.get("s:uni"), "héllo ✓ 日本", "unicode");
    await redis.set("s:b64ish", "PONG");
    eq(await redis.get("s:b64ish"), "PONG", "valid-base64-looking text");
    eq(await redis.get("s:missing"), null, "missing key");
    eq(await redis.type("s:ok"), "string", "type (status reply)");
  });
  await c("incr / incrby / decr / expire / exists / del / unlink", async () => {
    eq(await redis.incr("n"), 1, "incr");
    eq(await redis.incrby("n", 5), 6, "incrby");
    eq(await redis.decr("n"), 5, "decr");
    eq(await redis.expire("n", 60), 1, "expire");
    eq(await redis.exists("n", "s:ok", "nope"), 2, "exists");
    eq(await redis.del("n"), 1, "del");
    eq(await redis.unlink("s:new"), 1, "unlink");
  });
  await c("hset / hget / hgetall / hdel / hincrby", async () => {
    eq(await redis.hset("h", { a: "1", b: "two", c: { x: 1 } }), 3, "hset");
    eq(await redis.hget("h", "b"), "two", "hget");
    eq(await redis.hgetall("h"), { a: 1, b: "two", c: { x: 1 } }, "hgetall");
    eq(await redis.hincrby("h", "a", 2), 3, "hincrby");
    eq(await redis.hdel("h", "b"), 1, "hdel");
  });
  await c("zadd / zrange / zrangebyscore / zcard / zcount / zremrangebyscore", async () => {
    eq(await redis.zadd("z", { score: 1, member: "a" }, { score: 2, member: "b" }, { score: 3, member: "c" }), 3, "zadd");
    eq(await redis.zrange("z", 0, -1), ["a", "b", "c"], "zrange");
    eq(await redis.zrange("z", 0, 0, { withScores: true }), ["a", 1], "zrange withScores");
    eq(await redis.zrange("z", 2, 3, { byScore: true }), ["b", "c"], "zrange byScore");
    eq(await redis.zcard("z"), 3, "zcard");
    eq(await redis.zcount("z", 2, "+inf"), 2, "zcount");
    eq(await redis.zremrangebyscore("z", 0, 1), 1, "zremrangebyscore");
    eq(await redis.exec(["ZRANGEBYSCORE", "z", "-inf", "+inf"]), ["b", "c"], "raw zrangebyscore");
  });
  await c("lists and sets", async () => {
    eq(await redis.rpush("l", "b", "c"), 2, "rpush");
    eq(await redis.lpush("l", "a"), 3, "lpush");
    eq(await redis.lrange("l", 0, -1), ["a", "b", "c"], "lrange");
    eq(await redis.sadd("st", "x", "y"), 2, "sadd");
    eq((await redis.smembers("st")).sort(), ["x", "y"], "smembers");
    eq(await redis.srem("st", "x"), 1, "srem");
  });
  await c("mset / mget / keys / scan", async () => {
    eq(await redis.mset({ "m:1": "a", "m:2": "b" }), "OK", "mset");
    eq(await redis.mget("m:1", "m:2", "m:none"), ["a", "b", null], "mget");
    eq((await redis.keys("m:*")).sort(), ["m:1", "m:2"], "keys");
    const [cursor, found] = await redis.scan(0, { match: "m:*", count: 1000 });
    eq(String(cursor), "0", "scan cursor");
    eq([...found].sort(), ["m:1", "m:2"], "scan keys");
  });
  await c("JSON object value round-trip", async () => {
    const value = { id: 7, name: "agent", tags: ["a", "b"], nested: { ok: true, n: null } };
    await redis.set("json", value);
    eq(await redis.get("json"), value, "object");
  });
  await c("explicit pipeline", async () => {
    const res = await redis.pipeline().set("p:1", "x").incr("p:n").get("p:1").hset("p:h", { f: "v" }).exec();
    eq(res, ["OK", 1, "x", 1], "pipeline results");
  });
  await c("auto-pipelined concurrent calls", async () => {
    const res = await Promise.all([redis.set("ap:1", "a"), redis.incr("ap:n"), redis.get("ap:1"), redis.get("ap:none")]);
    eq(res, ["OK", 1, "a", null], "results");
  });
  await c("multi/exec", async () => {
    const res = await redis.multi().set("tx:1", "a").incr("tx:n").get("tx:1").exec();
    eq(res, ["OK", 1, "a"], "multi results");
  });
  await c("multi/exec with a run-time error", async () => {
    await redis.set("tx:str", "x");
    const err = await rejects(redis.multi().incr("tx:m").hget("tx:str", "f").exec(), "multi with WRONGTYPE");
    ok(/WRONGTYPE/.test(err.message), `WRONGTYPE in message, got: ${err.message}`);
    eq(await redis.get("tx:m"), 1, "commands before the failing one still ran (Redis semantics)");
  });
  await c("multi/exec aborted at queue time", async () => {
    // hset with no fields sends ["hset", key]: a wrong-arity error redis reports at queue time.
    const tx = redis.multi().set("tx:abort", "a").hset("tx:h", {});
    const err = await rejects(tx.exec(), "multi with a wrong-arity command");
    ok(/EXECABORT/.test(err.message), `EXECABORT in message, got: ${err.message}`);
    eq(await redis.get("tx:abort"), null, "nothing from the aborted transaction was applied");
  });
  await c("eval / script load / evalsha", async () => {
    eq(await redis.eval("return {KEYS[1], ARGV[1], 42}", ["k1"], ["a1"]), ["k1", "a1", 42], "eval table");
    eq(await redis.eval("return redis.call('SET', KEYS[1], ARGV[1])", ["ev"], ["v"]), "OK", "eval status");
    const sha = await redis.scriptLoad("return ARGV[1] .. ':' .. KEYS[1]");
    ok(/^[0-9a-f]{40}$/.test(sha), `sha1, got ${sha}`);
    eq(await redis.evalsha(sha, ["k"], ["v"]), "v:k", "evalsha");
    const script = redis.createScript<string>("return 'hi ' .. ARGV[1]");
    eq(await script.exec([], ["there"]), "hi there", "createScript (evalsha, NOSCRIPT fallback)");
  });
  await c("WRONGTYPE error surfaces as UpstashError", async () => {
    await redis.set("wt", "x");
    const err = await rejects(redis.hget("wt", "f"), "hget on a string");
    ok(/WRONGTYPE/.test(err.message), `WRONGTYPE in message, got: ${err.message}`);
  });
  await c("responseEncoding: false (plain JSON strings)", async () => {
    const plain = new Redis({ url: shim.url, token: shim.token, retry: false, responseEncoding: false });
    await plain.set("plain", "héllo");
    eq(await plain.get("plain"), "héllo", "get");
    eq(await plain.ping(), "PONG", "ping");
    eq(await plain.pipeline().set("plain:2", "x").get("plain:2").lrange("l", 0, -1).exec(), ["OK", "x", ["a", "b", "c"]], "pipeline");
  });
  await c("bad token is rejected (401)", async () => {
    const res = await fetch(shim.url, { method: "POST", headers: { authorization: "Bearer nope" }, body: '["ping"]' });
    eq(res.status, 401, "status");
    eq(await res.json(), { error: "Unauthorized" }, "body");
    const bad = new Redis({ url: shim.url, token: "nope", retry: false });
    await rejects(bad.get("x"), "client with bad token");
  });
  await c("raw REST: single error is HTTP 400, path form works", async () => {
    const auth = { authorization: `Bearer ${shim.token}` };
    const res = await fetch(shim.url, { method: "POST", headers: auth, body: '["hget","wt","f"]' });
    eq(res.status, 400, "status");
    ok(/WRONGTYPE/.test(((await res.json()) as { error: string }).error), "error text");
    const path = await fetch(`${shim.url}/get/s:ok`, { headers: auth });
    eq(await path.json(), { result: "OK" }, "GET /get/key without encoding");
  });
}
