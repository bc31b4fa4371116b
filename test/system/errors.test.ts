import { describe, expect, it } from "vitest";
import { api, jsonRequest, problem } from "../helpers/http";

const ID = "7d0f8f3e-6f4c-4a55-9d57-1b7a3c2f4e10";

describe("problem responses", () => {
  it("answers an unknown route with a 404 problem", async () => {
    const response = await api("/api/nothing-here");
    expect(response.status).toBe(404);
    const body = await problem(response);
    expect(body).toMatchObject({ status: 404, code: "not_found", title: "Not Found" });
    expect(body.requestId).toBe(response.headers.get("x-request-id"));
  });

  it("lists every invalid field of a body with 400 validation_failed", async () => {
    const response = await api(`/__test/echo/${ID}`, jsonRequest("POST", { name: "", count: 11 }));
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body.code).toBe("validation_failed");
    expect(body.errors?.map((e) => e.path).sort()).toEqual(["json.count", "json.name"]);
    expect(body.errors?.every((e) => e.message.length > 0)).toBe(true);
  });

  it("names an invalid path or query parameter", async () => {
    const param = await api(`/__test/echo/not-a-uuid`, jsonRequest("POST", { name: "a", count: 1 }));
    expect(param.status).toBe(400);
    expect((await problem(param)).errors?.map((e) => e.path)).toEqual(["param.id"]);

    const query = await api(`/__test/echo/${ID}?verbose=maybe`, jsonRequest("POST", { name: "a", count: 1 }));
    expect(query.status).toBe(400);
    expect((await problem(query)).errors?.map((e) => e.path)).toEqual(["query.verbose"]);
  });

  it("accepts a valid request on the same route", async () => {
    const response = await api(`/__test/echo/${ID}?verbose=true`, jsonRequest("POST", { name: "a", count: 2 }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: ID, body: { name: "a", count: 2, tags: [] }, verbose: true });
  });

  it("answers malformed JSON with 400 malformed_json", async () => {
    const response = await api(`/__test/echo/${ID}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"name": "a", ',
    });
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("malformed_json");
  });

  it("refuses a body over the route's limit with 413 before parsing it", async () => {
    const response = await api(`/__test/echo/${ID}`, jsonRequest("POST", { name: "a".repeat(2000), count: 1 }));
    expect(response.status).toBe(413);
    expect((await problem(response)).code).toBe("payload_too_large");
  });

  it("hides the internals of an unexpected error behind a 500 problem", async () => {
    const response = await api("/__test/fail");
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain("secret internal detail");
    expect(text).not.toContain("postgres://");
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    expect(JSON.parse(text)).toMatchObject({ status: 500, code: "internal_error" });
  });

  it("refuses a route that requires authentication when no verifier accepts the caller", async () => {
    const response = await api("/__test/protected");
    expect(response.status).toBe(401);
    expect((await problem(response)).code).toBe("unauthenticated");
  });
});

describe("CORS", () => {
  it("allows configured frontend origins only", async () => {
    const allowed = await api("/health", { headers: { Origin: "https://frontend.test" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://frontend.test");
    const other = await api("/health", { headers: { Origin: "https://evil.test" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers a preflight for the API's headers", async () => {
    const response = await api("/health", {
      method: "OPTIONS",
      headers: {
        Origin: "https://frontend.test",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,x-workspace-id",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-workspace-id");
  });

  it("allows in a preflight every header parameter the OpenAPI document declares (Idempotency-Key included)", async () => {
    const document = (await (await api("/openapi.json")).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>> };
    const declared = new Set<string>(["authorization", "content-type"]);
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations)) for (const p of operation.parameters ?? []) if (p.in === "header") declared.add(p.name.toLowerCase());
    }
    expect(declared).toContain("idempotency-key");
    const response = await api("/health", {
      method: "OPTIONS",
      headers: { Origin: "https://frontend.test", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": [...declared].join(",") },
    });
    const allowed = new Set((response.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/\s*,\s*/));
    expect([...declared].filter((name) => !allowed.has(name))).toEqual([]);
  });
});
