import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { isDatabaseUnavailable, isLostRace } from "./db/errors";
import { allowedMethodsOf } from "./lib/allowed-methods";
import { conflictFor } from "./lib/conflicts";
import { ApiError, renderProblem } from "./lib/errors";
import { isolateCaches } from "./lib/isolate-caches";
import type { AppEnv } from "./env";
import type { Logger } from "./lib/logger";
import { createRouter, setResponseHeaders, withRoutes } from "./lib/router";
import { clients } from "./middleware/clients";
import { refuseUnstorableUrl } from "./middleware/input-guard";
import { requestContext } from "./middleware/request-context";
import { registerAdminRoutes } from "./routes/admin";
import { registerReportRoutes } from "./routes/reports";
import { registerBenchRoutes } from "./routes/bench/floor";
import { registerApiKeyRoutes } from "./routes/api-keys";
import { registerDocs } from "./routes/docs";
import { registerMarketplaceRoutes } from "./routes/marketplace";
import { registerMarketplacePluginRoutes } from "./routes/marketplace-plugins";
import { registerWorkspacePluginRoutes } from "./routes/workspace-plugins";
import { registerAgentPluginRoutes } from "./routes/agent-plugins";
import { registerModerationRoutes } from "./routes/moderation";
import { registerInvitationRoutes } from "./routes/invitations";
import { registerHealth } from "./routes/system/health";
import { registerOpenApi } from "./routes/system/openapi";
import { registerTestRoutes } from "./routes/testing";
import { registerWorkspaceItemRoutes } from "./routes/workspace-items";
import { registerWorkspaceMemberRoutes } from "./routes/workspace-members";
import { registerWorkspaceRoutes } from "./routes/workspaces";

export interface AppOptions {
  /** Routes that exist only for the test suite. */
  testRoutes?: boolean;
  /** The benchmark's floor route. */
  benchRoutes?: boolean;
}

const HTTP_EXCEPTION_CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

function toApiError(error: unknown, logger: Logger | undefined): unknown {
  if (error instanceof ApiError) return error;
  if (!(error instanceof HTTPException)) {
    if (isDatabaseUnavailable(error)) {
      logger?.error("database_unavailable", { message: error instanceof Error ? error.message.slice(0, 200) : String(error) });
      return new ApiError(503, "database_unavailable", "The database is not reachable right now; retry shortly.", { headers: { "Retry-After": "5" } });
    }
    if (isLostRace(error)) {
      logger?.warn("database_busy", { message: error instanceof Error ? error.message.slice(0, 200) : String(error) });
      return new ApiError(503, "database_busy", "A concurrent change collided with this one and nothing was written; retry shortly.", { headers: { "Retry-After": "1" } });
    }
    return conflictFor(error, logger) ?? error;
  }
  // Hono's own validators throw HTTPException, e.g. for a body that is not valid JSON.
  const status = error.status;
  if (status === 400 && /json/i.test(error.message)) {
    return new ApiError(400, "malformed_json", "The request body is not valid JSON.");
  }
  return new ApiError(status as ApiError["status"], HTTP_EXCEPTION_CODES[status] ?? "http_error", error.message);
}

/**
 * CORS_ORIGINS as a set, parsed once per value (it is the same for every request of an isolate;
 * issue 32 item 2). Code and configuration only, so sharing it between requests is safe.
 */
let parsedOrigins: { raw: string; origins: Set<string> } | undefined;
isolateCaches.register("cors origins", () => (parsedOrigins = undefined));
function corsOrigins(raw: string | undefined): Set<string> {
  const value = raw ?? "";
  if (parsedOrigins?.raw !== value) {
    parsedOrigins = { raw: value, origins: new Set(value.split(",").map((o) => o.trim()).filter(Boolean)) };
  }
  return parsedOrigins.origins;
}

/** Response headers a browser script may read (CORS). */
const EXPOSED_HEADERS = ["X-Request-Id", "ETag", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"] as const;
const EXPOSED = EXPOSED_HEADERS.join(",");

/**
 * The CORS headers of an actual (not preflight) request, the same ones hono/cors sets, added to the
 * response once it exists. hono/cors sets them on `c.res` before the route runs, which makes Hono
 * rebuild the route's response around its body stream, and its `Vary` after, which rebuilds it
 * again: the body then leaves as a stream, which cost a cached list about a third of its CPU
 * (npm run bench, issue 32 item 2). Preflights still go through hono/cors.
 */
const corsHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const origin = c.req.header("origin");
  const allowed = origin && corsOrigins(c.env.CORS_ORIGINS).has(origin) ? origin : null;
  setResponseHeaders(c, allowed ? [["Access-Control-Allow-Origin", allowed], ["Access-Control-Expose-Headers", EXPOSED]] : [["Access-Control-Expose-Headers", EXPOSED]], [["Vary", "Origin"]]);
};

export function createApp(options: AppOptions = {}) {
  const app = createRouter();

  app.use("*", requestContext);
  app.use("*", secureHeaders());
  const preflight = cors({
    origin: (origin, c) => (origin && corsOrigins(c.env.CORS_ORIGINS).has(origin) ? origin : null),
    // Every request header the API reads (test/system/errors.test.ts checks these against the OpenAPI header parameters).
    allowHeaders: ["Authorization", "Content-Type", "X-API-Key", "X-Workspace-ID", "X-Request-Id", "If-None-Match", "Idempotency-Key"],
    exposeHeaders: [...EXPOSED_HEADERS],
    maxAge: 600,
  });
  app.use("*", (c, next) => (c.req.method === "OPTIONS" ? preflight(c, next) : corsHeaders(c, next)));
  app.use("*", refuseUnstorableUrl);
  app.use("*", clients);

  // Typed with every route registered here (lib/router.ts withRoutes): the typed client's AppType.
  const routes = withRoutes(
    app,
    registerHealth(app),
    registerOpenApi(app),
    registerDocs(app),
    registerMarketplaceRoutes(app),
    registerMarketplacePluginRoutes(app),
    registerWorkspacePluginRoutes(app),
    registerAgentPluginRoutes(app),
    registerModerationRoutes(app),
    registerWorkspaceRoutes(app),
    registerWorkspaceItemRoutes(app),
    registerWorkspaceMemberRoutes(app),
    registerInvitationRoutes(app),
    registerApiKeyRoutes(app),
    registerAdminRoutes(app),
    registerReportRoutes(app),
  );
  if (options.testRoutes) registerTestRoutes(app);
  if (options.benchRoutes) registerBenchRoutes(app);

  // Built on the first miss, when every route is registered.
  let allowedMethods: ((path: string) => string[]) | undefined;
  app.notFound((c) => {
    allowedMethods ??= allowedMethodsOf(app.routes);
    const allowed = allowedMethods(c.req.path);
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      const error = new ApiError(405, "method_not_allowed", `${c.req.method} is not allowed here; use ${allowed.join(", ")}.`, {
        headers: { Allow: allowed.join(", ") },
      });
      return renderProblem(c, error);
    }
    return renderProblem(c, new ApiError(404, "not_found", "No route matches this method and path."));
  });
  app.onError((error, c) => renderProblem(c, toApiError(error, c.get("logger"))));
  return routes;
}

export type App = ReturnType<typeof createApp>;
