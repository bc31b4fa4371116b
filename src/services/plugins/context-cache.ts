import type { Cache } from "../../clients/cache";
import { gunzipFromBase64, gzipToBase64 } from "../../lib/gzip-text";
import { parseReply } from "../../lib/redis-reply";
import { CATALOG_GENERATION_KEY, CATALOG_GENERATION_TTL_SECONDS, catalogGenerationLua } from "../catalog-cache";
import type { ContextMemory } from "./context-memory";

/**
 * Whole assembled-context responses in Redis, gzip-compressed (issue 15 items 5–6), so a repeated
 * read costs no database query, with a copy in the isolate's memory (context-memory.ts) so a
 * repeated read does not move the body again. An entry records the two generations it was built under as the tag
 * `<catalog>:<workspace>`, and either tier serves it only while both are current:
 * - the global catalog generation (`catalog:generation`, a token: catalog-cache.ts), replaced by item
 *   moderation (agents' tool rows, LLM catalog budgets) and plugin moderation (approve, reject,
 *   deactivate, delete);
 * - the workspace's context generation, bumped after every write made in that workspace
 *   (middleware/authorize.ts: agent edits and deletes, enable, disable, pin update, assignments,
 *   installs and updates of clones), so no workspace-scoped input can be missed.
 * Plugin content is immutable per version and reached through the pins, so it needs no counter.
 * The generations are read before the database, so an entry can only be older than its tag says
 * if a write landed meanwhile, and that write's bump makes the entry stale.
 */
export const CONTEXT_TTL_SECONDS = 3600;

/**
 * The per-workspace generation: a random token, replaced by every write in the workspace. Never a
 * counter that could restart: were the key evicted or expired, a counter would read 0 again and
 * revive entries built under 0; a fresh token matches no entry. Kept for twice the entries' TTL.
 */
export const workspaceContextGenerationKey = (workspaceId: string) => `context:generation:${workspaceId}`;

/** One entry per workspace, agent and requested budget (`default` when none was given). */
export const assembledContextKey = (workspaceId: string, agentId: string, budget: number | undefined) =>
  `context:${workspaceId}:${agentId}:${budget ?? "default"}`;

/** A Redis entry: the tag it was built under and the body, gzip-compressed as base64 (lib/gzip-text.ts). */
interface StoredContext {
  tag: string;
  gzip: string;
}

/**
 * One Upstash request: the generation tag `<catalog>:<workspace>` (either token, when missing, is
 * created from ARGV[2] or ARGV[4], so an evicted generation matches no stored tag) and, unless the
 * caller's memory copy already carries that tag (ARGV[1]), the stored entry. So a memory hit moves
 * a few bytes, and a Redis hit the entry, in the same single request.
 * KEYS: catalog generation, workspace generation, entry. ARGV: the memory copy's tag or "", a new
 * workspace token, its TTL in seconds, a new catalog token, its TTL in seconds.
 */
const CONTEXT_SCRIPT = `
local workspace = redis.call('GET', KEYS[2])
if not workspace then
  workspace = ARGV[2]
  redis.call('SET', KEYS[2], workspace, 'EX', ARGV[3])
end
${catalogGenerationLua("KEYS[1]", "ARGV[4]", "ARGV[5]")}
local tag = generation .. ':' .. workspace
if ARGV[1] == tag then return {tag, false} end
return {tag, redis.call('GET', KEYS[3])}
`;
const GENERATION_TTL_SECONDS = 2 * CONTEXT_TTL_SECONDS;

/** Makes every cached context of the workspace stale; a Redis failure is swallowed (the cache wall). */
export async function invalidateWorkspaceContexts(cache: Cache, workspaceId: string): Promise<void> {
  await cache.set(workspaceContextGenerationKey(workspaceId), crypto.randomUUID(), GENERATION_TTL_SECONDS);
}

/** A stored entry from the script's reply (lib/redis-reply.ts); null when absent or not of this shape. */
function storedEntry(value: unknown): StoredContext | null {
  const candidate = parseReply(value) as Partial<StoredContext> | null;
  return candidate && typeof candidate.tag === "string" && typeof candidate.gzip === "string" ? (candidate as StoredContext) : null;
}

interface TagAndEntry {
  tag: string;
  entry: StoredContext | null;
}

/** The current tag and the Redis entry (null when absent or not asked for); null when Redis is off or failing. */
async function readTagAndEntry(cache: Cache, workspaceId: string, key: string, memoryTag: string | undefined): Promise<TagAndEntry | null> {
  if (!cache.redis) return null;
  try {
    const reply = await cache.redis.eval(CONTEXT_SCRIPT, [CATALOG_GENERATION_KEY, workspaceContextGenerationKey(workspaceId), key], [
      memoryTag ?? "",
      crypto.randomUUID(),
      GENERATION_TTL_SECONDS,
      crypto.randomUUID(),
      CATALOG_GENERATION_TTL_SECONDS,
    ]);
    if (!Array.isArray(reply)) return null;
    return { tag: String(reply[0]), entry: storedEntry(reply[1]) };
  } catch {
    return null;
  }
}

/** The tag read (CONTEXT_SCRIPT) for one entry key, started before the route runs. */
export interface ContextPrefetch {
  key: string;
  read: Promise<TagAndEntry | null>;
}

/**
 * Starts the route's tag read early: the access gate calls this for routes declaring
 * `cachedContextRead` while its own Upstash request is in flight (middleware/authorize.ts), so a
 * memory hit waits for one round trip instead of two. Only when this isolate already holds a copy
 * under the key (it served the same workspace's agent before), so a request the gate then refuses
 * costs at most one read the same agent's readers made anyway; `undefined` otherwise, and the
 * route reads after the gate as usual. Never throws (a failing Redis resolves to null).
 */
export function prefetchContext(cache: Cache, memory: ContextMemory, workspaceId: string, agentId: string, budget: number | undefined): ContextPrefetch | undefined {
  const key = assembledContextKey(workspaceId, agentId, budget);
  const tag = memory.tagOf(key);
  if (tag === undefined || !cache.redis) return undefined;
  return { key, read: readTagAndEntry(cache, workspaceId, key, tag) };
}

/** Where an answer came from: the isolate's memory, Redis, or a fresh assembly. */
export type ContextSource = "memory" | "redis" | "computed";

/**
 * The JSON body of the agent's assembled context, from the first tier holding a copy built under
 * the current generation tag: the isolate's memory (context-memory.ts), then Redis, else
 * `compute()` (whose errors propagate, and are never cached), kept in memory and stored in Redis
 * through `defer` for CONTEXT_TTL_SECONDS. Either hit makes no database query. With `prefetched`
 * (this key's read, started by the access gate) the tag read rides in the same Upstash HTTP request
 * as the gate's script (the client pipelines concurrent commands): a memory hit costs that one
 * request; otherwise the read is one more request after the gate's.
 * With Redis off or failing every read computes, as before the cache, and memory is not
 * consulted (its copies cannot be checked).
 */
export async function cachedAssembledContext(
  cache: Cache,
  memory: ContextMemory,
  workspaceId: string,
  agentId: string,
  budget: number | undefined,
  compute: () => Promise<unknown>,
  defer: (work: Promise<unknown>) => void,
  prefetched?: ContextPrefetch,
): Promise<{ body: string; source: ContextSource }> {
  const key = assembledContextKey(workspaceId, agentId, budget);
  const current = prefetched?.key === key ? await prefetched.read : await readTagAndEntry(cache, workspaceId, key, memory.tagOf(key));
  if (!current) return { body: JSON.stringify(await compute()), source: "computed" };
  const remembered = memory.get(key, current.tag);
  if (remembered !== undefined) return { body: remembered, source: "memory" };
  if (current.entry && current.entry.tag === current.tag) {
    // A corrupt entry (never written by this code) is recomputed and overwritten.
    const stored = await gunzipFromBase64(current.entry.gzip).catch(() => null);
    if (stored !== null) {
      memory.set(key, current.tag, stored);
      return { body: stored, source: "redis" };
    }
  }
  const body = JSON.stringify(await compute());
  memory.set(key, current.tag, body);
  const tag = current.tag;
  // Compressed after the response is sent: the miss does not wait for it.
  defer(gzipToBase64(body).then((gzip) => cache.set(key, { tag, gzip } satisfies StoredContext, CONTEXT_TTL_SECONDS)));
  return { body, source: "computed" };
}
