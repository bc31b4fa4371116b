import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "./errors";

/** Workspace scopes an API key can carry (design.md §12); none of them is platform-admin power. */
export const API_KEY_SCOPES = ["catalog:read", "items:install", "items:submit", "plugins:enable", "keys:manage"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * What every route declares (design.md §13). The security test matrix reads these declarations
 * off the registered middleware, so a route without one fails the suite.
 */
export type RouteAccess =
  | { access: "public" }
  | { access: "authenticated"; scope: ApiKeyScope | null; workspaceScoped: boolean }
  | { access: "admin"; workspaceScoped?: false };

export type AccessMiddleware = MiddlewareHandler<AppEnv> & { access: RouteAccess };

/**
 * The per-route gate. Identity checks (JWTs, API keys, workspaces) plug in here; until a verifier
 * exists every non-public route is refused, so nothing is ever open by omission.
 */
export function authorize(access: RouteAccess): AccessMiddleware {
  const middleware: MiddlewareHandler<AppEnv> = async (_c, next) => {
    if (access.access !== "public") {
      throw new ApiError(401, "unauthenticated", "Authentication required.");
    }
    await next();
  };
  return Object.assign(middleware, { access });
}

export function isAccessMiddleware(handler: unknown): handler is AccessMiddleware {
  return typeof handler === "function" && "access" in handler;
}

/** OpenAPI security requirement for a declaration, so access is visible in the document. */
export function securityFor(access: RouteAccess): Array<Record<string, string[]>> {
  if (access.access === "public") return [];
  if (access.access === "admin") return [{ clerkSession: [] }];
  const keyScopes = access.scope ? [access.scope] : [];
  return [{ clerkSession: [] }, { apiKey: keyScopes }, { apiKeyHeader: keyScopes }];
}
