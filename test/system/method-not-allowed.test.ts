import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { api, problem } from "../helpers/http";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** Registered operations by path pattern, read from the app itself. */
function operationsByPath(): Map<string, Set<string>> {
  const byPath = new Map<string, Set<string>>();
  for (const route of createApp({ testRoutes: true, benchRoutes: true }).routes) {
    if (route.method === "ALL") continue;
    byPath.set(route.path, (byPath.get(route.path) ?? new Set()).add(route.method));
  }
  return byPath;
}

// An oracle independent of the implementation: a pattern matches a path segment by segment.
const patternMatches = (pattern: string, path: string) =>
  new RegExp(`^${pattern.replace(/:[A-Za-z_]+/g, "[^/]+")}$`).test(path);

describe("405 Method Not Allowed", () => {
  it("answers POST /api/marketplace/items with 405, Allow: GET, HEAD, as a problem", async () => {
    const response = await api("/api/marketplace/items", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    const body = await problem(response);
    expect(body).toMatchObject({ status: 405, code: "method_not_allowed", title: "Method Not Allowed" });
  });

  it("lists every method of a path with several (variant: DELETE /api/workspaces)", async () => {
    const response = await api("/api/workspaces", { method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD, POST");
  });

  it("answers 405 with the right Allow on every registered path, for each method it lacks", async () => {
    const byPath = operationsByPath();
    let checked = 0;
    for (const pattern of byPath.keys()) {
      const url = pattern.replace(/:[A-Za-z_]+/g, () => crypto.randomUUID());
      // Another pattern (e.g. /items/:id for /items/submit) may also take this URL: union them.
      const allowed = new Set<string>();
      for (const [other, methods] of byPath) if (patternMatches(other, url)) methods.forEach((m) => allowed.add(m));
      if (allowed.has("GET")) allowed.add("HEAD");
      for (const method of METHODS.filter((m) => !allowed.has(m))) {
        const response = await api(url, { method });
        expect(response.status, `${method} ${pattern}`).toBe(405);
        expect(response.headers.get("allow"), `${method} ${pattern}`).toBe([...allowed].sort().join(", "));
        expect((await problem(response)).code).toBe("method_not_allowed");
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("still answers 404 for a path no route has, and for a trailing slash", async () => {
    for (const path of ["/api/nothing-here", "/api/marketplace/items/"]) {
      const response = await api(path, { method: "POST" });
      expect(response.status, path).toBe(404);
      expect(response.headers.get("allow")).toBeNull();
    }
  });
});
