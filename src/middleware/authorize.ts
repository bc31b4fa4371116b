import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import type { AccessMiddleware, RouteAccess } from "../lib/access";
import { ApiError } from "../lib/errors";
import { hashApiKey } from "../services/auth/api-key-format";
import { authenticateRequest, readCredentials, type Credentials } from "../services/auth/authenticate";
import { clerkConfigFrom } from "../services/auth/clerk-jwt";
import { clientAddressBucket, keyLookupFailureLimit } from "../services/auth/key-lookup-limit";
import { actorOf, isPlatformAdmin, roleAtLeast, type Principal, type WorkspaceContext } from "../services/auth/principal";
import { catalogRequestKey } from "../services/catalog-cache";
import { catalogFreshnessMs, forgetCatalogMemory } from "../services/catalog-memory";
import { prefetchContext, type ContextPrefetch } from "../services/plugins/context-cache";
import { isolateContextMemory } from "../services/plugins/context-memory";
import { apiKeyRateSubject } from "../services/auth/principal-cache";
import { defaultRateLimit, localRateLimit, rateLimitHeaders, rateWindowsOf, type RateLimitDecision } from "../services/rate-limit";

/** Methods that never write. */
const READS = new Set(["GET", "HEAD", "OPTIONS"]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const workspaceNotFound = () =>
  new ApiError(404, "workspace_not_found", "No such workspace, or you are not allowed to act in it.");

/**
 * The one place that decides whether a principal may act in a workspace: never silently another.
 * `membership` is the user's role there, read with the principal (services/auth/authenticate.ts).
 */
function resolveWorkspace(principal: Principal, id: string, membership: WorkspaceContext["role"] | undefined): WorkspaceContext {
  if (principal.kind === "api_key") {
    if (principal.key.workspaceId !== id) throw workspaceNotFound();
    return { id, role: null };
  }
  // Platform admins get no implicit membership (design.md §10).
  if (!membership) throw workspaceNotFound();
  return { id, role: membership };
}

/**
 * The headers and 429 of design.md §14. Without a decision from Redis (off, down, past its
 * deadline, or refusing the script's writes at maxmemory) this isolate's own windows decide, at
 * the same limits and for the same subjects (services/rate-limit.ts, issue 26 item 4): an outage
 * never lifts a limit. A key's subject is its hash's, as in Redis, so that a parent key's own
 * requests and its children's meet in one window; computed only on that path.
 */
async function applyRateLimit(c: Context<AppEnv>, credentials: Credentials, principal: Principal, decision: RateLimitDecision | null, defaultLimit: number): Promise<void> {
  if (!decision) {
    const subject = principal.kind === "api_key" ? apiKeyRateSubject(await hashApiKey(credentials.value)) : `user:${principal.user.id}`;
    decision = localRateLimit(rateWindowsOf(principal, subject, defaultLimit));
  }
  const headers = rateLimitHeaders(decision);
  if (!decision.allowed) {
    throw new ApiError(429, "rate_limited", `Rate limit of ${decision.limit} requests per minute exceeded.`, { headers });
  }
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
}

const BUDGET = /^[1-9][0-9]{0,6}$/;

/**
 * The assembled-context tag reads (one Upstash script, one primary-key query), started while the
 * gate's own script is in flight (see prefetchContext); only for well-formed requests, so the key
 * is the one the route will compute.
 */
function speculateContextRead(c: Context<AppEnv>, workspaceId: string): ContextPrefetch | undefined {
  const agentId = c.req.param("agent_id");
  const budget = c.req.query("budget");
  if (!agentId || !UUID.test(agentId) || agentId !== agentId.toLowerCase() || (budget !== undefined && !BUDGET.test(budget))) return undefined;
  const memory = isolateContextMemory(c.env.CONTEXT_MEMORY_BYTES);
  return prefetchContext({ cache: c.var.cache, db: c.var.db.http }, memory, workspaceId, agentId, budget === undefined ? undefined : Number(budget));
}

/**
 * The per-route gate, driven by the route's declaration: who may call it (design.md §13), with
 * which API-key scope or workspace role, in which workspace (§10), and how often (§14).
 */
export function authorize(access: RouteAccess): AccessMiddleware {
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (access.access === "public") return next();
    // Any write this isolate handles discards its catalog memory before and after (design.md §32).
    if (!READS.has(c.req.method)) {
      forgetCatalogMemory();
      try {
        return await gate(c, next);
      } finally {
        forgetCatalogMemory();
      }
    }
    return gate(c, next);
  };
  const gate: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (access.access === "public") return next();

    const credentials = readCredentials({
      authorization: c.req.header("authorization"),
      apiKey: c.req.header("x-api-key"),
    });
    // A workspace named in the path or header must be one the caller may act in, on every route:
    // cross-tenant requests answer 404 before any other refusal.
    const candidate = c.req.param("workspace_id") ?? c.req.header("x-workspace-id");
    const workspaceId = candidate && UUID.test(candidate) ? candidate.toLowerCase() : undefined;
    const defaultLimit = defaultRateLimit(c.env.RATE_LIMIT_PER_MINUTE);
    const outcome = await authenticateRequest(
      credentials,
      {
        db: c.var.db,
        cache: c.var.cache,
        // Read only for a session token: an API key's request never parses the Clerk settings.
        get clerk() {
          return clerkConfigFrom(c.env);
        },
        waitUntil: (work: Promise<unknown>) => c.executionCtx.waitUntil(work),
      },
      {
        defaultLimit,
        workspaceId,
        pageKey: access.access === "authenticated" && access.cachedCatalogRead ? ((await catalogRequestKey(c)) ?? undefined) : undefined,
        catalogFreshnessMs: access.access === "authenticated" && access.cachedCatalogRead ? catalogFreshnessMs(c.env.CATALOG_FRESHNESS_MS) : 0,
        speculate: access.access === "authenticated" && access.cachedContextRead ? (guess: string) => speculateContextRead(c, guess) : undefined,
        // Uncached API-key lookups that fail are limited per client address (issue 26 item 9).
        failedLookups: { bucket: clientAddressBucket(c.req.header("cf-connecting-ip")), limit: keyLookupFailureLimit(c.env.API_KEY_LOOKUP_FAILURES_PER_MINUTE) },
      },
    );
    const { principal } = outcome;
    c.set("principal", principal);
    c.set("actor", actorOf(principal));
    if (outcome.catalog) c.set("catalogPrefetch", outcome.catalog);
    await applyRateLimit(c, credentials, principal, outcome.decision, defaultLimit);

    if (candidate && !workspaceId) throw workspaceNotFound();
    let workspace: WorkspaceContext | null = workspaceId ? resolveWorkspace(principal, workspaceId, outcome.membership) : null;

    if (access.access === "admin") {
      // API keys never carry platform-admin power (design.md §12).
      if (!isPlatformAdmin(principal)) throw new ApiError(403, "admin_required", "Admin access required");
    } else if (principal.kind === "api_key") {
      if (access.scope === null) {
        throw new ApiError(403, "api_key_not_allowed", "This operation needs a signed-in user; API keys cannot perform it.");
      }
      if (!principal.key.scopes.includes(access.scope)) {
        throw new ApiError(403, "insufficient_scope", `This API key lacks the \`${access.scope}\` scope.`);
      }
    }

    // Publisher-or-admin routes (design.md §38): a platform admin acts as the admin, in no workspace
    // (a header naming one they may not act in was refused above, as on every route).
    if (access.access === "authenticated" && access.platformAdminBypass && isPlatformAdmin(principal)) {
      workspace = null;
    } else if (access.access === "authenticated" && access.workspaceScoped) {
      // A key acts for exactly one workspace, so naming it is optional.
      if (!workspace && principal.kind === "api_key") workspace = { id: principal.key.workspaceId, role: null };
      if (!workspace) {
        throw new ApiError(400, "workspace_required", "Name the workspace with the X-Workspace-ID header.");
      }
      if (principal.kind === "user" && access.role && !roleAtLeast(workspace.role, access.role)) {
        throw new ApiError(403, "insufficient_role", `This operation needs the ${access.role} role in the workspace.`);
      }
    }
    c.set("workspace", workspace);
    // Used only for the workspace the request turned out to act in.
    if (outcome.speculative?.value && workspace?.id === outcome.speculative.workspaceId) c.set("contextPrefetch", outcome.speculative.value);
    // No cache bump after the handler: the transactions that change an input of a workspace's
    // assembled contexts bump its generation in PostgreSQL themselves (design.md §29), so a bump
    // can no longer be lost to a Redis that refuses writes (services/plugins/context-cache.ts).
    await next();
  };
  return Object.assign(middleware, { access });
}
