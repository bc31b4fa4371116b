import { describe, expect, it } from "vitest";
import { callWithEnv, DEAD_URL } from "../helpers/app";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createWorkspace } from "../helpers/factories";
import { api, problem } from "../helpers/http";

const clients = useDatabase();
const db = () => clients.pool;

describe("rate limits (sliding window in the real Redis)", () => {
  it("answers the request over a key's limit with 429, Retry-After and RateLimit headers", async () => {
    const { workspace } = await createWorkspace(db());
    const key = await createKey(db(), workspace.id, { rateLimitPerMinute: 2 });
    const headers = { "X-API-Key": key.secret, Origin: "https://frontend.test" };
    const first = await api("/api/api-keys", { headers });
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("2");
    expect(first.headers.get("ratelimit-remaining")).toBe("1");
    expect((await api("/api/api-keys", { headers })).status).toBe(200);

    const refused = await api("/api/api-keys", { headers });
    expect(refused.status).toBe(429);
    expect((await problem(refused)).code).toBe("rate_limited");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    // A browser can read the 429 only with CORS headers on it.
    expect(refused.headers.get("access-control-allow-origin")).toBe("https://frontend.test");
  });

  it("counts each key on its own", async () => {
    const { workspace } = await createWorkspace(db());
    const busy = await createKey(db(), workspace.id, { rateLimitPerMinute: 1 });
    const quiet = await createKey(db(), workspace.id, { rateLimitPerMinute: 1 });
    await api("/api/api-keys", { headers: { "X-API-Key": busy.secret } });
    expect((await api("/api/api-keys", { headers: { "X-API-Key": busy.secret } })).status).toBe(429);
    expect((await api("/api/api-keys", { headers: { "X-API-Key": quiet.secret } })).status).toBe(200);
  });

  it("limits users by the deployment default", async () => {
    const { token } = await signedInUser(db());
    const limited = { RATE_LIMIT_PER_MINUTE: "1" };
    expect((await callWithEnv("/api/workspaces", limited, { headers: bearer(token) })).status).toBe(200);
    expect((await callWithEnv("/api/workspaces", limited, { headers: bearer(token) })).status).toBe(429);
  });

  it("keeps a key's limit when Redis is unavailable: the isolate-local window decides (issue 26 item 4)", async () => {
    const { workspace } = await createWorkspace(db());
    const key = await createKey(db(), workspace.id, { rateLimitPerMinute: 1 });
    const noCache = { UPSTASH_REDIS_REST_URL: DEAD_URL, CACHE_TIMEOUT_MS: "200" };
    const first = await callWithEnv("/api/api-keys", noCache, { headers: { "X-API-Key": key.secret } });
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("1");
    for (let i = 0; i < 2; i++) {
      const refused = await callWithEnv("/api/api-keys", noCache, { headers: { "X-API-Key": key.secret } });
      expect(refused.status).toBe(429);
      expect((await problem(refused)).code).toBe("rate_limited");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
  });
});
