// @module-tag pglite (the key lineage's recursive subquery and the workspace row lock of key creation: also run on the embedded database; test/suite-layout.ts)
import { and, count, eq, isNull } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../src/db/schema";
import { isolateCaches } from "../../src/lib/isolate-caches";
import { MAX_LIVE_API_KEYS_PER_WORKSPACE } from "../../src/services/api-keys";
import { generateApiKey } from "../../src/services/auth/api-key-format";
import { clientAddressBucket, keyLookupFailureKey } from "../../src/services/auth/key-lookup-limit";
import { MAX_KEY_ANCESTORS } from "../../src/services/auth/principal";
import { callWithEnv, DEAD_URL } from "../helpers/app";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { testRedis } from "../helpers/cache";
import { useDatabase } from "../helpers/db";
import { createWorkspace } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";

// Issue 26 item 9: a key's rate limit bounds everything minted under it, a workspace holds a
// bounded number of live keys, and made-up keys with a valid checksum cannot reach the database
// without limit.
const clients = useDatabase();
const db = () => clients.pool;

/**
 * Rate-limit windows are clock minutes (the sliding minute weights the previous one): a test that
 * fills a window waits out the last 3 s of a minute first, so its requests all fall in one.
 */
async function awayFromMinuteBoundary(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 57_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 50));
}

async function workspaceAdmin() {
  const { user, token } = await signedInUser(db());
  const { workspace } = await createWorkspace(db(), { owner: user });
  return { user, workspace, headers: { ...bearer(token), "X-Workspace-ID": workspace.id } };
}

type NewKey = { id: string; key: string; rate_limit_per_minute: number | null };

async function mint(headers: Record<string, string>, body: Record<string, unknown> = {}): Promise<NewKey> {
  const response = await api("/api/api-keys", jsonRequest("POST", { name: "key", scopes: ["keys:manage", "catalog:read"], ...body }, headers));
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as NewKey;
}

const useKey = (secret: string) => api("/api/api-keys", { headers: { "X-API-Key": secret } });

describe("a key's rate limit bounds everything minted under it (happy)", () => {
  it("a child's requests consume its parent's budget: the child is refused once the parent's window is full, and so is the parent", async () => {
    await awayFromMinuteBoundary();
    const { headers } = await workspaceAdmin();
    const parent = await mint(headers, { rate_limit_per_minute: 5 });
    // The parent's first request: minting the child (1 of its 5).
    const child = await mint({ "X-API-Key": parent.key });
    expect(child.rate_limit_per_minute).toBe(5);
    for (let i = 0; i < 4; i++) {
      const used = await useKey(child.key);
      expect(used.status).toBe(200);
      // The window with the least room is the parent's: 5 − 1 (the mint) − (i + 1).
      expect(used.headers.get("ratelimit-remaining")).toBe(String(3 - i));
    }
    // The child has made 4 of its own 5, but the parent's 5 are spent.
    const childRefused = await useKey(child.key);
    expect(childRefused.status).toBe(429);
    expect((await problem(childRefused)).code).toBe("rate_limited");
    const parentRefused = await useKey(parent.key);
    expect(parentRefused.status).toBe(429);
    expect(parentRefused.headers.get("ratelimit-limit")).toBe("5");
  });

  it("every key above counts, not only the root: a middle key's limit bounds its own children", async () => {
    await awayFromMinuteBoundary();
    const { headers } = await workspaceAdmin();
    const root = await mint(headers, { rate_limit_per_minute: 50 });
    const middle = await mint({ "X-API-Key": root.key }, { rate_limit_per_minute: 3 });
    const leaf = await mint({ "X-API-Key": middle.key }, { rate_limit_per_minute: 3 });
    // The middle key spent 1 on the mint; the leaf's 2 fill its 3.
    expect((await useKey(leaf.key)).status).toBe(200);
    expect((await useKey(leaf.key)).status).toBe(200);
    expect((await useKey(leaf.key)).status).toBe(429);
    expect((await useKey(middle.key)).status).toBe(429);
    // The root has room: its own mint, the middle's mint and the leaf's 2 made 4 of 50; this is the 5th.
    const rootUse = await useKey(root.key);
    expect(rootUse.status).toBe(200);
    expect(rootUse.headers.get("ratelimit-remaining")).toBe(String(50 - 5));
  });

  it("also in an isolate that has not seen the key, with its principal still cached in Redis", async () => {
    await awayFromMinuteBoundary();
    const { headers } = await workspaceAdmin();
    const parent = await mint(headers, { rate_limit_per_minute: 4 });
    const child = await mint({ "X-API-Key": parent.key });
    expect((await useKey(child.key)).status).toBe(200);
    // A fresh isolate: it knows neither the key's workspace nor its lineage; Redis still holds the
    // principal, so the script tells the lineage and the request is counted on the second call.
    isolateCaches.clear();
    const second = await useKey(child.key);
    expect(second.status).toBe(200);
    expect(second.headers.get("ratelimit-remaining")).toBe("1");
    const parentLast = await useKey(parent.key);
    expect(parentLast.status).toBe(200);
    expect(parentLast.headers.get("ratelimit-remaining")).toBe("0");
    expect((await useKey(child.key)).status).toBe(429);
  });
});

describe("a key's rate limit bounds everything minted under it (errors)", () => {
  it(`a key with ${MAX_KEY_ANCESTORS} keys above it cannot mint (403 key_lineage_too_deep); one above it still can`, async () => {
    const { headers } = await workspaceAdmin();
    const chain = [await mint(headers)];
    for (let i = 0; i < MAX_KEY_ANCESTORS; i++) chain.push(await mint({ "X-API-Key": chain.at(-1)!.key }));
    const refused = await api("/api/api-keys", jsonRequest("POST", { name: "too deep", scopes: ["catalog:read"] }, { "X-API-Key": chain.at(-1)!.key }));
    expect(refused.status).toBe(403);
    expect((await problem(refused)).code).toBe("key_lineage_too_deep");
    // The deepest key still works, and the one above it still mints.
    expect((await useKey(chain.at(-1)!.key)).status).toBe(200);
    await mint({ "X-API-Key": chain.at(-2)!.key });
  });
});

/** Writes `n` live keys of the workspace straight to the database (one statement). */
async function fillWorkspace(workspaceId: string, n: number, extra: Partial<typeof schema.apiKeys.$inferInsert> = {}): Promise<void> {
  const hex = () => [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
  const rows = Array.from({ length: n }, (_, i) => ({ workspaceId, name: `filler ${i}`, prefix: "mkt_fill", keyHash: hex(), scopes: ["catalog:read"], ...extra }));
  await db().insert(schema.apiKeys).values(rows);
}

const liveKeys = async (workspaceId: string) => {
  const [row] = await db()
    .select({ n: count() })
    .from(schema.apiKeys)
    .where(and(eq(schema.apiKeys.workspaceId, workspaceId), isNull(schema.apiKeys.revokedAt)));
  return row!.n;
};

describe(`a workspace holds at most ${MAX_LIVE_API_KEYS_PER_WORKSPACE} live keys`, () => {
  it("creates up to the cap, answers 409 key_limit_reached past it, and again creates after a revocation; revoked and expired keys do not count", async () => {
    const { workspace, headers } = await workspaceAdmin();
    await fillWorkspace(workspace.id, MAX_LIVE_API_KEYS_PER_WORKSPACE - 1);
    await fillWorkspace(workspace.id, 5, { revokedAt: new Date() });
    await fillWorkspace(workspace.id, 5, { expiresAt: new Date(Date.now() - 1000) });
    const last = await mint(headers);

    const refused = await api("/api/api-keys", jsonRequest("POST", { name: "one too many", scopes: ["catalog:read"] }, headers));
    expect(refused.status).toBe(409);
    const body = await problem(refused);
    expect(body.code).toBe("key_limit_reached");
    expect((body as unknown as { limit: number }).limit).toBe(MAX_LIVE_API_KEYS_PER_WORKSPACE);
    // A key minting a key meets the same cap.
    const byKey = await api("/api/api-keys", jsonRequest("POST", { name: "by key", scopes: ["catalog:read"] }, { "X-API-Key": last.key }));
    expect(byKey.status).toBe(409);

    expect((await api(`/api/api-keys/${last.id}`, { method: "DELETE", headers })).status).toBe(204);
    await mint(headers);
    expect(await liveKeys(workspace.id)).toBe(MAX_LIVE_API_KEYS_PER_WORKSPACE + 5);
  });

  it.runIf(inject("databaseServer"))("two creations racing for the last place: exactly one passes, 20 runs (PostgreSQL: two connections)", async () => {
    for (let run = 0; run < 20; run++) {
      const { workspace, headers } = await workspaceAdmin();
      await fillWorkspace(workspace.id, MAX_LIVE_API_KEYS_PER_WORKSPACE - 1);
      const create = () => api("/api/api-keys", jsonRequest("POST", { name: `racer ${run}`, scopes: ["catalog:read"] }, headers));
      const statuses = (await Promise.all([create(), create()])).map((r) => r.status).sort();
      expect(statuses, `run ${run}`).toEqual([201, 409]);
      expect(await liveKeys(workspace.id)).toBe(MAX_LIVE_API_KEYS_PER_WORKSPACE);
    }
  });
});

/** A key with a valid checksum that no one minted. */
const madeUp = () => generateApiKey();
/** An IPv6 /64 of its own, so no other test (or run in the same minute) shares the counter. */
const freshPrefix = () => `2001:db8:${[...crypto.getRandomValues(new Uint16Array(2))].map((n) => n.toString(16)).join(":")}`;
const DEAD_DATABASE = { DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:9/postgres" };

describe("made-up keys with a valid checksum are limited per client address (security)", () => {
  const LIMIT = { API_KEY_LOOKUP_FAILURES_PER_MINUTE: "3" };
  const from = (address: string, secret: string, env: Record<string, string> = {}) =>
    callWithEnv("/api/api-keys", { ...LIMIT, ...env }, { headers: { "X-API-Key": secret, "CF-Connecting-IP": address } });

  it("after 3 failed lookups from one address, the next is 429 before any database query; Redis holds the count", async () => {
    await awayFromMinuteBoundary();
    const prefix = freshPrefix();
    const address = `${prefix}::1`;
    for (let i = 0; i < 3; i++) {
      const guess = await from(address, madeUp());
      expect(guess.status).toBe(401);
      expect((await problem(guess)).code).toBe("api_key_invalid");
    }
    expect(Number(await testRedis().get(keyLookupFailureKey(clientAddressBucket(address))))).toBe(3);

    const refused = await from(address, madeUp());
    expect(refused.status).toBe(429);
    expect((await problem(refused)).code).toBe("api_key_lookups_limited");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // With the database unreachable, only a refusal that needs no query can still answer 429.
    expect((await from(address, madeUp(), DEAD_DATABASE)).status).toBe(429);
    // Another address in the same /64 is the same subscriber.
    expect((await from(`${prefix}::beef`, madeUp(), DEAD_DATABASE)).status).toBe(429);
    // The refusal itself is not counted.
    expect(Number(await testRedis().get(keyLookupFailureKey(clientAddressBucket(address))))).toBe(3);
  });

  it("counts revoked keys too, leaves other addresses alone, and never refuses a key whose principal is cached", async () => {
    await awayFromMinuteBoundary();
    const { workspace } = await workspaceAdmin();
    const revoked = await createKey(db(), workspace.id, { revoked: true });
    const valid = await createKey(db(), workspace.id);
    const address = `${freshPrefix()}::7`;
    const other = `${freshPrefix()}::7`;
    // Used once from elsewhere: its principal is now cached.
    expect((await from(other, valid.secret)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await from(address, revoked.secret)).status).toBe(401);
    expect((await from(address, revoked.secret)).status).toBe(429);
    expect((await from(address, madeUp())).status).toBe(429);
    expect((await from(address, valid.secret)).status).toBe(200);
    expect((await from(other, madeUp())).status).toBe(401);
  });

  it("holds while Redis is unreachable: the isolate's own count refuses", async () => {
    const address = `${freshPrefix()}::9`;
    const noRedis = { UPSTASH_REDIS_REST_URL: DEAD_URL };
    for (let i = 0; i < 3; i++) expect((await from(address, madeUp(), noRedis)).status).toBe(401);
    expect((await from(address, madeUp(), { ...noRedis, ...DEAD_DATABASE })).status).toBe(429);
  });

  /** Sends `n` made-up keys from `address` at once; returns how many answered each status. */
  const burst = async (address: string, n: number, env: Record<string, string> = {}) => {
    const responses = await Promise.all(Array.from({ length: n }, () => from(address, madeUp(), env)));
    const split: Record<number, number> = {};
    for (const response of responses) {
      split[response.status] = (split[response.status] ?? 0) + 1;
      if (response.status === 429) expect((await problem(response)).code).toBe("api_key_lookups_limited");
    }
    return split;
  };

  it("40 concurrent made-up keys from one address: exactly 3 are looked up (401), 37 are refused before the database (429); 20 runs", async () => {
    for (let run = 0; run < 20; run++) {
      await awayFromMinuteBoundary();
      const address = `${freshPrefix()}::40`;
      expect(await burst(address, 40), `run ${run}`).toEqual({ 401: 3, 429: 37 });
      // Refusals take no place: the count is the 3 lookups.
      expect(Number(await testRedis().get(keyLookupFailureKey(clientAddressBucket(address)))), `run ${run}`).toBe(3);
    }
  });

  it("40 concurrent made-up keys with Redis unreachable: the isolate's count reserves the same way (3 × 401, 37 × 429); 5 runs", async () => {
    const noRedis = { UPSTASH_REDIS_REST_URL: DEAD_URL };
    for (let run = 0; run < 5; run++) {
      await awayFromMinuteBoundary();
      expect(await burst(`${freshPrefix()}::41`, 40, noRedis), `run ${run}`).toEqual({ 401: 3, 429: 37 });
    }
  });

  it("successful lookups give their place back: after 10 uncached lookups of live keys, 3 made-up keys still get their 401s", async () => {
    await awayFromMinuteBoundary();
    const { workspace } = await workspaceAdmin();
    const address = `${freshPrefix()}::10`;
    // Ten keys never used before: each is an uncached lookup that finds a live key.
    for (let i = 0; i < 10; i++) expect((await from(address, (await createKey(db(), workspace.id)).secret)).status).toBe(200);
    expect(Number(await testRedis().get(keyLookupFailureKey(clientAddressBucket(address))))).toBe(0);
    for (let i = 0; i < 3; i++) expect((await from(address, madeUp())).status).toBe(401);
    expect((await from(address, madeUp())).status).toBe(429);
  });

  it("with Redis unreachable, successful lookups give their place back in the isolate too", async () => {
    const { workspace } = await workspaceAdmin();
    const noRedis = { UPSTASH_REDIS_REST_URL: DEAD_URL };
    const address = `${freshPrefix()}::11`;
    const valid = await createKey(db(), workspace.id);
    // Without Redis nothing is cached: every use is a lookup.
    for (let i = 0; i < 10; i++) expect((await from(address, valid.secret, noRedis)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await from(address, madeUp(), noRedis)).status).toBe(401);
    expect((await from(address, madeUp(), { ...noRedis, ...DEAD_DATABASE })).status).toBe(429);
  });

  it("a lookup the database never answered gives its place back: it is not a failure of the caller's", async () => {
    await awayFromMinuteBoundary();
    const address = `${freshPrefix()}::12`;
    for (let i = 0; i < 5; i++) expect((await from(address, madeUp(), DEAD_DATABASE)).status).toBe(503);
    expect(Number(await testRedis().get(keyLookupFailureKey(clientAddressBucket(address))))).toBe(0);
    for (let i = 0; i < 3; i++) expect((await from(address, madeUp())).status).toBe(401);
  });

  it("once an address's failures fill the minute, its uncached valid key is refused too (429: only the lookup would tell it is valid); cached, it passes", async () => {
    await awayFromMinuteBoundary();
    const { workspace } = await workspaceAdmin();
    const valid = await createKey(db(), workspace.id);
    const address = `${freshPrefix()}::13`;
    for (let i = 0; i < 3; i++) expect((await from(address, madeUp())).status).toBe(401);
    const refused = await from(address, valid.secret);
    expect(refused.status).toBe(429);
    expect((await problem(refused)).code).toBe("api_key_lookups_limited");
    // Used from another address, its principal is cached: from here it no longer needs a lookup.
    expect((await from(`${freshPrefix()}::13`, valid.secret)).status).toBe(200);
    expect((await from(address, valid.secret)).status).toBe(200);
    expect(Number(await testRedis().get(keyLookupFailureKey(clientAddressBucket(address))))).toBe(3);
  });

  it("a mistyped key (bad checksum) is still refused without a lookup, and is not counted", async () => {
    const address = `${freshPrefix()}::3`;
    const key = madeUp();
    const typo = key.slice(0, 10) + (key[10] === "a" ? "b" : "a") + key.slice(11);
    for (let i = 0; i < 5; i++) {
      const refused = await from(address, typo, DEAD_DATABASE);
      expect(refused.status).toBe(401);
      expect((await problem(refused)).code).toBe("api_key_invalid");
    }
    expect(await testRedis().get(keyLookupFailureKey(clientAddressBucket(address)))).toBeNull();
  });
});

describe("client address buckets", () => {
  it("counts IPv4 by address, IPv6 by /64 whatever its spelling, IPv4-mapped as IPv4, and no header as one shared bucket", () => {
    expect(clientAddressBucket("203.0.113.7")).toBe("v4:203.0.113.7");
    expect(clientAddressBucket("2001:db8:1:2:3:4:5:6")).toBe("v6:2001:db8:1:2::/64");
    expect(clientAddressBucket("2001:0DB8:0001:0002::ffff")).toBe("v6:2001:db8:1:2::/64");
    expect(clientAddressBucket("2001:db8::1")).toBe("v6:2001:db8:0:0::/64");
    expect(clientAddressBucket("::ffff:203.0.113.7")).toBe("v4:203.0.113.7");
    expect(clientAddressBucket("::ffff:cb00:7107")).toBe("v4:203.0.113.7");
    expect(clientAddressBucket(undefined)).toBe("unknown");
    expect(clientAddressBucket("  ")).toBe("unknown");
    expect(clientAddressBucket("not an address")).toBe("raw:not an address");
  });
});
