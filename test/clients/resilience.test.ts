import { describe, expect, it } from "vitest";
import { callWithEnv, DEAD_URL } from "../helpers/app";
import { signToken } from "../helpers/auth";

describe("when the cache is down", () => {
  it("still serves requests, quickly, and reports the cache as failing in /health", async () => {
    const started = Date.now();
    const response = await callWithEnv("/health", { UPSTASH_REDIS_REST_URL: DEAD_URL });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", cache: { status: "error" }, database: { status: "ok" } });
  });

  it("runs with the cache off when none is configured", async () => {
    const response = await callWithEnv("/health", { UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", cache: { status: "off" } });
  });
});

describe("when the database is down", () => {
  const deadDatabase = { DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:9/postgres", UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined };

  it("answers a read that needs it with 503 database_unavailable and Retry-After, never 500", async () => {
    // A valid session token: verifying it needs no database, loading its user does.
    const token = await signToken({ sub: `user_${crypto.randomUUID()}` });
    const response = await callWithEnv("/api/marketplace/items", deadDatabase, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    const body = (await response.json()) as { code: string; detail: string };
    expect(body.code).toBe("database_unavailable");
    // Nothing of the driver's message (SQL, host, port) reaches the client.
    expect(JSON.stringify(body)).not.toMatch(/select|127\.0\.0\.1|api_keys/i);
  });

  it("answers /health with 503 and says which part failed", async () => {
    const response = await callWithEnv("/health", { DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:9/postgres" });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: "degraded",
      database: { status: "error", http: "error", websocket: "error" },
      storage: { status: "ok" },
    });
  });
});
