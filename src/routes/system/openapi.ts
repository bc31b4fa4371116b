import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/authorize";

export const API_VERSION = "1.0.0";

/** Serves the OpenAPI 3.1 document generated from the registered routes. */
export function registerOpenApi(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "clerkSession", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A Clerk session token (RS256).",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "A workspace API key sent as `Authorization: Bearer <key>`; the listed scopes are required.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKeyHeader", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "A workspace API key sent in the X-API-Key header; the listed scopes are required.",
  });
  // Built on first request: the document depends only on the code, so one copy per isolate is safe.
  let document: unknown;
  app.get("/openapi.json", authorize({ access: "public" }), (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "Agent Marketplace API",
        version: API_VERSION,
        description:
          "Browse, install, publish and moderate agents, recipes, skills, LLM entries, tools and plugins. Errors are `application/problem+json` with a stable `code`.",
      },
      servers: [{ url: new URL(c.req.url).origin }],
    });
    c.header("Cache-Control", "no-cache");
    return c.json(document);
  });
}
