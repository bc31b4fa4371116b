import { z } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";

/**
 * Mounted only when ENVIRONMENT=test and ENABLE_TEST_ROUTES=true: probes for the request pipeline
 * (validation, body limits, error rendering) until real JSON routes exist (design.md §21).
 */
const EchoBody = z.object({
  name: z.string().min(1).max(50),
  count: z.number().int().min(1).max(10),
  tags: z.array(z.string().max(20)).max(5).default([]),
});

export const echoRoute = defineRoute({
  method: "post",
  path: "/__test/echo/{id}",
  operationId: "testEcho",
  tags: ["Testing"],
  summary: "Echo a validated body (tests only)",
  access: { access: "public" },
  bodyLimitBytes: 1024,
  request: {
    params: z.object({ id: z.uuid() }),
    query: z.object({ verbose: z.enum(["true", "false"]).optional() }),
    body: { required: true, content: { "application/json": { schema: EchoBody } } },
  },
  responses: {
    200: {
      description: "The parsed input",
      content: { "application/json": { schema: z.object({ id: z.string(), body: EchoBody, verbose: z.boolean() }) } },
    },
  },
});

export const failRoute = defineRoute({
  method: "get",
  path: "/__test/fail",
  operationId: "testFail",
  tags: ["Testing"],
  summary: "Throw an unexpected error (tests only)",
  access: { access: "public" },
  responses: { 500: { description: "Always" } },
});

export const protectedRoute = defineRoute({
  method: "get",
  path: "/__test/protected",
  operationId: "testProtected",
  tags: ["Testing"],
  summary: "A route that requires authentication (tests only)",
  access: { access: "authenticated", scope: "catalog:read", workspaceScoped: false },
  responses: { 200: { description: "Never without credentials" } },
});

export function registerTestRoutes(router: Router) {
  router.openapi(echoRoute, (c) => {
    const { id } = c.req.valid("param");
    const { verbose } = c.req.valid("query");
    return c.json({ id, body: c.req.valid("json"), verbose: verbose === "true" }, 200);
  });
  router.openapi(failRoute, () => {
    throw new Error("secret internal detail: connection string postgres://user:pw@host/db");
  });
  router.openapi(protectedRoute, () => {
    throw new ApiError(500, "unreachable", "The gate should have refused this request.");
  });
}
