// @module-tag pglite (both driver paths reaching the server: also run on the embedded database; test/suite-layout.ts)
import { describe, expect, it } from "vitest";
import { api } from "../helpers/http";

describe("GET /health", () => {
  it("reports the database (both driver paths), the cache and storage as ok", async () => {
    const response = await api("/health");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({
      status: "ok",
      database: { status: "ok", http: "ok", websocket: "ok" },
      cache: { status: "ok" },
      storage: { status: "ok" },
    });
  });

  it("answers with a request id, and echoes a well-formed incoming one", async () => {
    const generated = await api("/health");
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await api("/health", { headers: { "X-Request-Id": "trace-123" } });
    expect(echoed.headers.get("x-request-id")).toBe("trace-123");
    const refused = await api("/health", { headers: { "X-Request-Id": "bad id with spaces" } });
    expect(refused.headers.get("x-request-id")).not.toBe("bad id with spaces");
  });

  it("sends secure headers", async () => {
    const response = await api("/health");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("strict-transport-security")).toContain("max-age=");
  });
});
