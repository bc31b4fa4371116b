import { describe, expect, it } from "vitest";
// The worker's whole module graph, as a request would load it: every cache registers on import.
import "../../src/index";
import { isolateCaches } from "../../src/lib/isolate-caches";
import { useDatabase } from "../helpers/db";
import { api } from "../helpers/http";
import { tenantWithAgent } from "../plugins/in-use-helpers";

// design.md §47: every isolate-scope cache registers in one registry, and test setup empties them
// all before each file (test/setup/isolate-caches.ts), because the Workers projects reuse one
// isolate for many files.
const clients = useDatabase();

describe("isolateCaches", () => {
  it("lists every isolate-scope cache the worker keeps", () => {
    expect(isolateCaches.names().sort()).toEqual(
      [
        "api key workspaces",
        "assembled-context memory tier",
        "bench floor bodies",
        "catalog memory tier",
        "catalog page keys",
        "cache-off log line",
        "clerk key sets",
        "cors origins",
        "failed key lookups",
        "isolate rate-limit windows",
        "upstash text clients",
      ].sort(),
    );
  });

  it("refuses a second cache under a name already registered", () => {
    expect(() => isolateCaches.register("assembled-context memory tier", () => {})).toThrow("registered twice");
  });

  it("clear() empties the caches of the worker the tests call (the same isolate, the same modules)", async () => {
    const tenant = await tenantWithAgent(clients.pool, { persona: "Kept in memory." });
    const read = async () => {
      const response = await api(`/api/agents/${tenant.agentId}/assembled-context`, { headers: tenant.headers });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      return response.headers.get("x-cache-tier");
    };
    // The entry is stored after the response: read until this isolate's memory serves it.
    let tier = await read();
    for (let i = 0; i < 40 && tier !== "memory"; i++) tier = await read();
    expect(tier).toBe("memory");
    isolateCaches.clear();
    // Memory is empty now; the Redis entry is still there.
    expect(await read()).toBe("redis");
  });
});
