import type { Cache } from "../../clients/cache";
import { CATALOG_GENERATION_KEY } from "../catalog-cache";

/**
 * Whole assembled-context responses in Redis (issue 15 items 5–6), so a repeated read costs no
 * database query. An entry records the two generations it was built under and is served only
 * while both are current:
 * - the global catalog generation (`catalog:generation`), bumped by item moderation (agents' tool
 *   rows, LLM catalog budgets) and plugin moderation (approve, reject, deactivate, delete);
 * - the workspace's context generation, bumped after every write made in that workspace
 *   (middleware/authorize.ts: agent edits and deletes, enable, disable, pin update, assignments,
 *   installs and updates of clones), so no workspace-scoped input can be missed.
 * Plugin content is immutable per version and reached through the pins, so it needs no counter.
 * The generations are read before the database, so an entry can only be older than its tag says
 * if a write landed meanwhile, and that write's bump makes the entry stale.
 */
export const CONTEXT_TTL_SECONDS = 3600;

/** The per-workspace counter; missing means 0. */
export const workspaceContextGenerationKey = (workspaceId: string) => `context:generation:${workspaceId}`;

/** One entry per workspace, agent and requested budget (`default` when none was given). */
export const assembledContextKey = (workspaceId: string, agentId: string, budget: number | undefined) =>
  `context:${workspaceId}:${agentId}:${budget ?? "default"}`;

interface StoredContext {
  catalog: number;
  workspace: number;
  body: string;
}

/** Makes every cached context of the workspace stale; a Redis failure is swallowed (the cache wall). */
export async function invalidateWorkspaceContexts(cache: Cache, workspaceId: string): Promise<void> {
  await cache.incr(workspaceContextGenerationKey(workspaceId));
}

/**
 * The JSON body of the agent's assembled context: from Redis when an entry built under the current
 * generations exists (one Upstash request, no database), else `compute()` (whose errors propagate,
 * and are never cached) stored through `defer` for CONTEXT_TTL_SECONDS. With Redis off or failing
 * every read computes, as before the cache.
 */
export async function cachedAssembledContext(
  cache: Cache,
  workspaceId: string,
  agentId: string,
  budget: number | undefined,
  compute: () => Promise<unknown>,
  defer: (work: Promise<unknown>) => void,
): Promise<{ body: string; fromCache: boolean }> {
  const key = assembledContextKey(workspaceId, agentId, budget);
  const [catalog, workspace, stored] = await cache.mget<unknown>([CATALOG_GENERATION_KEY, workspaceContextGenerationKey(workspaceId), key]);
  const current = { catalog: Number(catalog ?? 0), workspace: Number(workspace ?? 0) };
  const entry = stored as StoredContext | null;
  if (entry && entry.catalog === current.catalog && entry.workspace === current.workspace && typeof entry.body === "string") {
    return { body: entry.body, fromCache: true };
  }
  const body = JSON.stringify(await compute());
  if (cache.enabled) defer(cache.set(key, { ...current, body } satisfies StoredContext, CONTEXT_TTL_SECONDS));
  return { body, fromCache: false };
}
