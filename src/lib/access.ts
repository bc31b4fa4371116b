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
      /**
       * The route answers from the assembled-context cache (services/plugins/context-cache.ts):
       * the gate starts its tag read alongside its own Redis request.
       */
      cachedContextRead?: boolean;
      /**
       * Publisher-or-admin routes (design.md §38): a platform admin passes with no workspace
       * (`c.var.workspace` is null, and the route acts as the admin); everyone else goes through
       * the scope, role and workspace above. Only the version-status PATCH declares it.
       */
      platformAdminBypass?: true;
    }
  | { access: "admin"; workspaceScoped?: false };

export type AccessMiddleware = MiddlewareHandler<AppEnv> & { access: RouteAccess };

export function isAccessMiddleware(handler: unknown): handler is AccessMiddleware {
  return typeof handler === "function" && "access" in handler;
}

/**
 * OpenAPI security requirement for a declaration. Scope arrays stay empty: OpenAPI gives them a
 * meaning only for OAuth2/OpenID schemes (spectral:oas warns otherwise), so the scope is in
 * `x-access` and the description (accessSentence) instead.
 */
export function securityFor(access: RouteAccess): Array<Record<string, string[]>> {
  if (access.access === "public") return [];
  if (access.access === "admin" || access.scope === null) return [{ clerkSession: [] }];
  return [{ clerkSession: [] }, { apiKey: [] }, { apiKeyHeader: [] }];
}

/** The access declaration in words, appended to every operation's description (`path`: the route's OpenAPI path). */
export function accessSentence(access: RouteAccess, path = ""): string {
  if (access.access === "public") return "**Access:** public, no credentials needed.";
  if (access.access === "admin") return "**Access:** platform admins only (a Clerk session of a user with the admin system role); API keys are refused (403).";
  const who =
    access.scope === null
      ? "a signed-in user (Clerk session); API keys are refused (403)"
      : `a signed-in user (Clerk session) or an API key with the \`${access.scope}\` scope`;
  if (!access.workspaceScoped) return `**Access:** ${who}. Needs no workspace; one named in X-Workspace-ID must be one the caller may act in (else 404).`;
  const role = access.role ? ` A user needs at least the \`${access.role}\` role there (403 \`insufficient_role\`).` : "";
  const named = path.includes("{workspace_id}")
    ? "the `{workspace_id}` path segment (404 for a workspace the caller may not act in)"
    : "the X-Workspace-ID header (an API key defaults to its own; 400 `workspace_required` when none is named; 404 for a workspace the caller may not act in)";
  if (access.platformAdminBypass) {
    return `**Access:** a platform admin (a Clerk session of a user with the admin system role), with no workspace needed; or ${who}, acting in one workspace: ${named}.${role} A workspace named by an admin must also be one they may act in (else 404); an admin acts as the admin either way.`;
  }
  return `**Access:** ${who}. Acts in one workspace: ${named}.${role}`;
}
