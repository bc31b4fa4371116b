import type { MiddlewareHandler } from "hono";
import type { WorkspaceRole } from "../db/queries/identity";
import type { AppEnv } from "../env";

/** Workspace scopes an API key can carry (design.md §12); none of them is platform-admin power. */
export const API_KEY_SCOPES = [
  "catalog:read",
  "items:read",
  "items:write",
  "items:install",
  "items:submit",
  "plugins:enable",
  "keys:manage",
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * The least workspace role that can create API keys. A key acts only while its creator still
 * holds it in the key's workspace (issue 10, item 3).
 */
export const KEY_MANAGER_ROLE: WorkspaceRole = "admin";

/**
 * What every route declares (design.md §13). The security test matrix reads these declarations
 * off the registered middleware, so a route without one fails the suite.
 */
export type RouteAccess =
  | { access: "public" }
  | {
      access: "authenticated";
      /** The API-key scope the route needs; null: signed-in users only, keys are refused. */
      scope: ApiKeyScope | null;
      workspaceScoped: boolean;
      /** The least workspace role a user needs (workspace-scoped routes). */
      role?: WorkspaceRole;
      /**
       * The route answers from the catalog cache (routes/marketplace/respond.ts): the gate reads the
       * page with the principal, in its one Redis round trip (issue 11 item 2).
       */
      cachedCatalogRead?: boolean;
    }
  | { access: "admin"; workspaceScoped?: false };

export type AccessMiddleware = MiddlewareHandler<AppEnv> & { access: RouteAccess };

export function isAccessMiddleware(handler: unknown): handler is AccessMiddleware {
  return typeof handler === "function" && "access" in handler;
}

/** OpenAPI security requirement for a declaration, so access is visible in the document. */
export function securityFor(access: RouteAccess): Array<Record<string, string[]>> {
  if (access.access === "public") return [];
  if (access.access === "admin" || access.scope === null) return [{ clerkSession: [] }];
  const keyScopes = access.scope ? [access.scope] : [];
  return [{ clerkSession: [] }, { apiKey: keyScopes }, { apiKeyHeader: keyScopes }];
}
