import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { declaredTags } from "../../lib/api-tags";
import { authorize } from "../../middleware/authorize";

export const API_VERSION = "1.0.0";

/**
 * The document's server URL: the configured PUBLIC_URL (an absolute http(s) URL, trailing slash
 * dropped), else "/" (relative to wherever the document was fetched from). Never the request's
 * Host, which a client chooses (issue 10 item 7: one `Host: evil.example` request used to fix the
 * URL for every later reader of the isolate).
 */
export function serverUrl(publicUrl: string | undefined): string {
  if (!publicUrl) return "/";
  try {
    const url = new URL(publicUrl);
    if (url.protocol === "https:" || url.protocol === "http:") return url.href.replace(/\/$/, "");
  } catch {
    // A malformed setting falls back to the relative URL rather than failing the document.
  }
  return "/";
}

type Document = ReturnType<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>;

/** The top-level tags: those the operations use, each with its description from lib/api-tags.ts. */
function withDeclaredTags(document: Document): Document {
  const used = new Set<string>();
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item ?? {})) {
      if (operation && typeof operation === "object" && "tags" in operation) for (const tag of (operation.tags as string[] | undefined) ?? []) used.add(tag);
    }
  }
  return { ...document, tags: declaredTags().filter((tag) => used.has(tag.name)) };
}

/** Serves the OpenAPI 3.1 document generated from the registered routes (servers: see serverUrl). */
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
    description: "A workspace API key sent as `Authorization: Bearer <key>`; the scope an operation needs is named in its description and `x-access`.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKeyHeader", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "A workspace API key sent in the X-API-Key header; the scope an operation needs is named in its description and `x-access`.",
  });
  // The document depends only on the code and PUBLIC_URL, so one copy per server URL is safe.
  const documents = new Map<string, unknown>();
  app.get("/openapi.json", authorize({ access: "public" }), (c) => {
    const server = serverUrl(c.env.PUBLIC_URL);
    let document = documents.get(server);
    if (!document) {
      document = withDeclaredTags(app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "Agent Marketplace API",
          version: API_VERSION,
          contact: { name: "Agent Marketplace API maintainers" },
          description:
            "Browse, install, publish and moderate agents, recipes, skills, LLM entries, tools and plugins. Errors are `application/problem+json` with a stable `code`.",
        },
        servers: [{ url: server }],
      }));
      documents.set(server, document);
    }
    c.header("Cache-Control", "no-cache");
    return c.json(document);
  });
}
