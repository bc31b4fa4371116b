import { HTTPException } from "hono/http-exception";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./env";
import { ApiError, renderProblem } from "./lib/errors";
import { createRouter } from "./lib/router";
import { clients } from "./middleware/clients";
import { requestContext } from "./middleware/request-context";
import { registerAdminRoutes } from "./routes/admin";
import { registerBenchRoutes } from "./routes/bench/floor";
import { registerApiKeyRoutes } from "./routes/api-keys";
import { registerDocs } from "./routes/docs";
import { registerMarketplaceRoutes } from "./routes/marketplace";
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

function toApiError(error: unknown): unknown {
  if (error instanceof ApiError || !(error instanceof HTTPException)) return error;
  // Hono's own validators throw HTTPException, e.g. for a body that is not valid JSON.
  const status = error.status;
  if (status === 400 && /json/i.test(error.message)) {
    return new ApiError(400, "malformed_json", "The request body is not valid JSON.");
  }
  return new ApiError(status as ApiError["status"], HTTP_EXCEPTION_CODES[status] ?? "http_error", error.message);
}

export function createApp(options: AppOptions = {}) {
  const app = createRouter();

  app.use("*", requestContext);
  app.use("*", secureHeaders());
  app.use(
    "*",
    cors({
      origin: (origin, c) => {
        const allowed = (c.env.CORS_ORIGINS ?? "").split(",").map((o: string) => o.trim()).filter(Boolean);
        return allowed.includes(origin) ? origin : null;
      },
      allowHeaders: ["Authorization", "Content-Type", "X-API-Key", "X-Workspace-ID", "X-Request-Id", "If-None-Match"],
      exposeHeaders: ["X-Request-Id", "ETag", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"],
      maxAge: 600,
    }),
  );
  app.use("*", clients);

  registerHealth(app);
  registerOpenApi(app);
  registerDocs(app);
  registerMarketplaceRoutes(app);
  registerModerationRoutes(app);
  registerWorkspaceRoutes(app);
  registerWorkspaceItemRoutes(app);
  registerWorkspaceMemberRoutes(app);
  registerInvitationRoutes(app);
  registerApiKeyRoutes(app);
  registerAdminRoutes(app);
  if (options.testRoutes) registerTestRoutes(app);
  if (options.benchRoutes) registerBenchRoutes(app);

  app.notFound((c) => renderProblem(c, new ApiError(404, "not_found", "No route matches this method and path.")));
  app.onError((error, c) => renderProblem(c, toApiError(error)));
  return app;
}

export type App = ReturnType<typeof createApp>;
