import { z } from "@hono/zod-openapi";
import { isolateCaches } from "../../lib/isolate-caches";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { CATALOG_ACCESS } from "../marketplace/schemas";

// Built once per size: the floor must cost nothing beyond the middleware it shares with the list.
const bodies = new Map<number, string>();
isolateCaches.register("bench floor bodies", () => bodies.clear());

function cannedBody(bytes: number): string {
  let body = bodies.get(bytes);
  if (!body) {
    const padding = Math.max(0, bytes - '{"items":[],"padding":""}'.length);
    body = JSON.stringify({ items: [], padding: "x".repeat(padding) });
    bodies.set(bytes, body);
  }
  return body;
}

/**
 * The benchmark's floor (mounted only with ENABLE_BENCH_ROUTES): the same access declaration, so the
 * same authentication and rate limiting as the catalog list, and a canned body of a given size.
 */
export const floorRoute = defineRoute({
  method: "get",
  path: "/__bench/floor",
  operationId: "benchFloor",
  tags: ["Benchmark"],
  summary: "A canned response behind the catalog's middleware (benchmarks only)",
  access: CATALOG_ACCESS,
  request: { query: z.object({ bytes: z.coerce.number().int().min(0).max(1_000_000).default(20_000) }) },
  responses: { 200: { description: "Canned JSON of the requested size" }, ...problemResponses(400, ...AUTH_PROBLEMS) },
});

export function registerBenchRoutes(router: Router) {
  router.openapi(floorRoute, (c) => c.body(cannedBody(c.req.valid("query").bytes), 200, { "Content-Type": "application/json; charset=UTF-8" }));
}
