import type { Cache } from "../../clients/cache";
import type { Queryable } from "../../db/client";
import { safetyGenerations } from "../../db/queries/generations";
import { gunzipFromBase64, gzipToBase64 } from "../../lib/gzip-text";
import { parseReply } from "../../lib/redis-reply";
import { CATALOG_GENERATION_KEY, CATALOG_GENERATION_TTL_SECONDS, catalogGenerationLua } from "../catalog-cache";
import type { ContextMemory } from "./context-memory";

/**
 * Assembled contexts in Redis, gzip-compressed (issue 15 items 5–6), so a repeated read costs no
 * assembly, with a copy in the isolate's memory (context-memory.ts) so a repeated read does not
 * move the body again.
 *
 * What is stored, and how much (issue 26 item 4: one tenant cannot fill the shared cache):
 * - Redis holds ONE entry per agent, whatever budgets are asked for: the budget-independent parts
 *   (services/plugins/assembled-context.ts, `ContextParts`), from which any budget's answer is
 *   rendered with no I/O. N = 1 Redis entry per agent; 100 distinct `budget`s make 1.
 * - A workspace's entries live in one hash (`contextEntriesKey`), their store times in a sorted set
 *   (`contextOrderKey`), and together weigh at most CONTEXT_CACHE_WORKSPACE_BYTES (default 4 MiB):
 *   one Lua script (STORE_SCRIPT) drops entries past their TTL, then the oldest, until the new one
 *   fits, and stores it; an entry over the whole budget is not stored (its reads compute). Redis
 *   runs a script atomically, so the bound holds however many requests store at once.
 * - Memory holds rendered bodies per agent and budget, bounded in bytes per isolate (LRU).
 *
 * Freshness: an entry records what it was built under as the tag `<catalog>:<takedown>.<workspace>`,
 * and either tier serves it only while all three are current:
 * - the global catalog generation (`catalog:generation` in Redis, a token: catalog-cache.ts),
 *   replaced by item moderation (agents' tool rows, LLM catalog budgets) and plugin moderation
 *   (approve, reject: names and summaries). A lost replacement shows stale names for at most the
 *   entry's life, never a taken-down plugin: that is the next two's job.
 * - the safety generations, kept in PostgreSQL and read with one primary-key query in parallel
 *   with the Redis read (db/queries/generations.ts, design.md §29): the takedown generation,
 *   bumped inside every status change and plugin deactivate, reactivate and delete; and the
 *   workspace's generation, bumped inside every transaction that changes an input of its
 *   contexts (enable, disable, pin move, assignment, install, uninstall, update, agent edit and
 *   delete). A bump commits with the change, so after the commit no tier can serve an entry built
 *   before it, whatever Redis accepted, refused or lost (issue 26 item 3).
 * Tags are read before the database, so an entry can only be older than its tag says if a write
 * committed meanwhile, and that write's bump makes the entry stale.
 */
export const CONTEXT_TTL_SECONDS = 3600;

/**
 * The shape of what the hash holds; part of its key, so a deploy that changes `ContextParts` or
 * how its text is escaped bumps it and never reads an entry of the old shape. 3: fences, HTML
 * starts and headings inside lists and quotes are escaped too (issue 26 item 1): an entry of 2
 * could still hide the sections after a plugin's unclosed fence. 4: each plugin carries the
 * permissions the workspace accepted (issue 28 item 5).
 */
const CONTEXT_FORMAT = 4;

/** The hash of a workspace's stored contexts: field = agent id, value = `StoredContext` as JSON (plus `#bytes`, their weight). */
export const contextEntriesKey = (workspaceId: string) => `context:v${CONTEXT_FORMAT}:${workspaceId}`;
/** The sorted set of the same agent ids, scored by store time (ms): the oldest is dropped first. */
export const contextOrderKey = (workspaceId: string) => `context-order:v${CONTEXT_FORMAT}:${workspaceId}`;
/** The hash field holding the weight of a workspace's entries (agent ids are UUIDs, so it never clashes). */
export const CONTEXT_BYTES_FIELD = "#bytes";

/** The memory tier's key: one rendered body per workspace, agent and requested budget (`default` when none was given). */
export const contextMemoryKey = (workspaceId: string, agentId: string, budget: number | undefined) => `${workspaceId}:${agentId}:${budget ?? "default"}`;

/** Default of CONTEXT_CACHE_WORKSPACE_BYTES: about 120 agents with several plugins each (33 KB compressed). */
export const DEFAULT_CONTEXT_WORKSPACE_BYTES = 4 * 1024 * 1024;
const MAX_CONTEXT_WORKSPACE_BYTES = 64 * 1024 * 1024;

/**
 * CONTEXT_CACHE_WORKSPACE_BYTES: the most a workspace's assembled contexts weigh in Redis, an
 * integer 0–67,108,864 (0: contexts are never stored in Redis); anything else gives the default,
 * DEFAULT_CONTEXT_WORKSPACE_BYTES.
 */
export function contextWorkspaceBytes(configured: string | undefined): number {
  const parsed = Number(configured);
  return configured && Number.isInteger(parsed) && parsed >= 0 && parsed <= MAX_CONTEXT_WORKSPACE_BYTES ? parsed : DEFAULT_CONTEXT_WORKSPACE_BYTES;
}

/**
 * What an entry weighs against the workspace's budget: its field and value (bytes: both are
 * ASCII, a UUID and JSON of base64) plus this much for Redis's own bookkeeping of the hash field and
 * the sorted-set member, so that many tiny entries cannot exceed the budget in real memory.
 */
export const CONTEXT_ENTRY_OVERHEAD_BYTES = 128;

/** A Redis entry: the tag it was built under and the parts, gzip-compressed as base64 (lib/gzip-text.ts). */
interface StoredContext {
  tag: string;
  gzip: string;
}

/** The full tag: the catalog token (a UUID, so it holds no `:`), then the safety generations. */
const fullTag = (catalog: string, safety: string) => `${catalog}:${safety}`;

/** The catalog token of a tag, "" when there is none (matches no token). */
function catalogPart(tag: string | undefined): string {
  const at = tag?.indexOf(":") ?? -1;
  return at > 0 ? tag!.slice(0, at) : "";
}

/**
 * One Upstash request: the catalog generation (when missing, created from ARGV[2], so an evicted
 * generation matches no stored tag) and, unless the caller's memory copy was built under that
 * catalog generation (ARGV[1]), the agent's stored entry. So a memory hit moves a few bytes, and a
 * Redis hit the entry, in the same single request. A reply of one element means the entry was not
 * read. KEYS: catalog generation, the workspace's entries. ARGV: the memory copy's catalog token
 * or "", a new catalog token, its TTL in seconds, the agent id. At `maxmemory` the script still
 * answers while the token exists (a read); creating one is refused with OOM, and the read then
 * computes (see below).
 */
const CONTEXT_SCRIPT = `
${catalogGenerationLua("KEYS[1]", "ARGV[2]", "ARGV[3]")}
if ARGV[1] == generation then return {generation} end
return {generation, redis.call('HGET', KEYS[2], ARGV[4])}
`;

/**
 * Stores one agent's entry within the workspace's byte budget, atomically (a script), so
 * concurrent stores cannot together exceed it. KEYS: the workspace's entries (hash), their order
 * (sorted set). ARGV: agent id, value, TTL in seconds, now (ms), budget (bytes), per-entry overhead.
 * The first command is the ZADD of the agent's store time: at `maxmemory` Redis refuses a script's
 * first memory-growing command with OOM, before anything changed (past its first write a script
 * is let through, so the order matters), and the store fails with nothing dropped or written.
 * Then: entries stored more than a TTL ago are dropped (Redis cannot expire a hash field; the keys
 * themselves expire a TTL after the workspace's last store); then this agent's previous entry (a
 * store follows a miss, so it is stale); then the oldest entries until the new one fits. An entry
 * over the whole budget is not stored (and its old one is gone). Returns 1 when stored, 0 when
 * over the budget. `#bytes` is the sum of the stored entries' weights, kept by this script alone;
 * were it ever to drift, it is reset once no other entry is left to drop.
 */
const STORE_SCRIPT = `
local field, value = ARGV[1], ARGV[2]
local ttl, now, budget, overhead = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local bytes = #field + #value + overhead
redis.call('ZADD', KEYS[2], now, field)
local total = tonumber(redis.call('HGET', KEYS[1], '${CONTEXT_BYTES_FIELD}') or '0') or 0
local function forget(name)
  local size = redis.call('HSTRLEN', KEYS[1], name)
  if size > 0 then total = total - (#name + size + overhead) end
  redis.call('HDEL', KEYS[1], name)
end
local function drop(name)
  forget(name)
  redis.call('ZREM', KEYS[2], name)
end
for _, name in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - ttl * 1000)) do drop(name) end
forget(field)
if bytes > budget then
  redis.call('ZREM', KEYS[2], field)
  if total < 0 then total = 0 end
  redis.call('HSET', KEYS[1], '${CONTEXT_BYTES_FIELD}', total)
  return 0
end
while total + bytes > budget do
  local oldest = nil
  for _, name in ipairs(redis.call('ZRANGE', KEYS[2], 0, 1)) do
    if name ~= field then oldest = name break end
  end
  if not oldest then total = 0 break end
  drop(oldest)
end
if total < 0 then total = 0 end
redis.call('HSET', KEYS[1], field, value, '${CONTEXT_BYTES_FIELD}', total + bytes)
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
return 1
`;

/**
 * Stores `entry` as the agent's context within the workspace's byte budget (STORE_SCRIPT).
 * @param budgetBytes CONTEXT_CACHE_WORKSPACE_BYTES (contextWorkspaceBytes); 0 stores nothing
 * @returns true when stored; false when over the budget, or Redis is off, failing or refusing writes
 */
export async function storeContextEntry(cache: Cache, workspaceId: string, agentId: string, entry: StoredContext, budgetBytes: number, now = Date.now()): Promise<boolean> {
  if (!cache.redis || budgetBytes <= 0) return false;
  try {
    const reply = await cache.redis.eval(
      STORE_SCRIPT,
      [contextEntriesKey(workspaceId), contextOrderKey(workspaceId)],
      [agentId, JSON.stringify(entry), CONTEXT_TTL_SECONDS, now, budgetBytes, CONTEXT_ENTRY_OVERHEAD_BYTES],
    );
    return Number(reply) === 1;
  } catch {
    return false;
  }
}

/** A stored entry (from the script's reply or an HGET, lib/redis-reply.ts); null when absent or not of this shape. */
function storedEntry(value: unknown): StoredContext | null {
  const candidate = parseReply(value) as Partial<StoredContext> | null;
  return candidate && typeof candidate.tag === "string" && typeof candidate.gzip === "string" ? (candidate as StoredContext) : null;
}

/** What the Redis read found: the catalog token, and the entry when it was read (`entryRead`). */
interface RedisRead {
  catalog: string;
  entryRead: boolean;
  entry: StoredContext | null;
}

/** The script's reply for one agent; null when Redis is off or failing (nothing can then be checked). */
async function readRedis(cache: Cache, workspaceId: string, agentId: string, memoryCatalog: string): Promise<RedisRead | null> {
  if (!cache.redis) return null;
  try {
    const reply = await cache.redis.eval(CONTEXT_SCRIPT, [CATALOG_GENERATION_KEY, contextEntriesKey(workspaceId)], [memoryCatalog, crypto.randomUUID(), CATALOG_GENERATION_TTL_SECONDS, agentId]);
    if (!Array.isArray(reply) || reply[0] === null || reply[0] === undefined) return null;
    return { catalog: String(reply[0]), entryRead: reply.length > 1, entry: storedEntry(reply[1]) };
  } catch {
    return null;
  }
}

/** The agent's stored entry alone (one HGET); null when absent or Redis fails. */
async function readEntry(cache: Cache, workspaceId: string, agentId: string): Promise<StoredContext | null> {
  try {
    return storedEntry(await cache.redis!.hget(contextEntriesKey(workspaceId), agentId));
  } catch {
    return null;
  }
}

/** What an assembled-context read needs besides the database: the cache and where the safety generations are read. */
export interface ContextCacheDeps {
  cache: Cache;
  /** PostgreSQL (the route's HTTP client): the safety generations' one query. */
  db: Queryable;
  /** CONTEXT_CACHE_WORKSPACE_BYTES, parsed (contextWorkspaceBytes); default DEFAULT_CONTEXT_WORKSPACE_BYTES. */
  workspaceBytes?: number;
}

/** The tag reads (CONTEXT_SCRIPT and the safety generations) for one memory key, started before the route runs. */
export interface ContextPrefetch {
  key: string;
  read: Promise<RedisRead | null>;
  /** Rejects when the database does; a rejection nobody awaits is already handled (see prefetchContext). */
  safety: Promise<string>;
}

/**
 * Starts the route's tag reads early: the access gate calls this for routes declaring
 * `cachedContextRead` while its own Upstash request is in flight (middleware/authorize.ts), so a
 * memory hit waits for one round trip to Upstash and, beside it, one primary-key query, instead
 * of one after the other. Only when this isolate already holds a copy for the agent and budget (it
 * served them before), so a request the gate then refuses costs at most the one read and the one
 * query the same agent's readers made anyway; `undefined` otherwise, and the route reads after the
 * gate as usual. Never throws; `safety` rejects if the database fails.
 */
export function prefetchContext(
  deps: ContextCacheDeps,
  memory: ContextMemory,
  workspaceId: string,
  agentId: string,
  budget: number | undefined,
): ContextPrefetch | undefined {
  const key = contextMemoryKey(workspaceId, agentId, budget);
  const tag = memory.tagOf(key);
  if (tag === undefined || !deps.cache.redis) return undefined;
  const safety = safetyGenerations(deps.db, workspaceId);
  // Unused when the gate refuses the request: its failure must not surface as an unhandled
  // rejection. The route awaits the same promise, which still rejects for it.
  safety.catch(() => {});
  return { key, read: readRedis(deps.cache, workspaceId, agentId, catalogPart(tag)), safety };
}

/** Where an answer came from: the isolate's memory, Redis, or a fresh assembly. */
export type ContextSource = "memory" | "redis" | "computed";

/** The parts unchanged: for callers whose `compute` already returns the body (no budget to apply). */
const asIs = (parts: unknown) => parts;

/**
 * The JSON body of the agent's assembled context for `budget`, from the first tier holding a copy
 * built under the current tag: the isolate's memory (the rendered body, per budget), then Redis
 * (the agent's parts, rendered for `budget` by `render`), else `compute()` (the parts; its errors
 * propagate and are never cached), whose result is stored in Redis through `defer` for
 * CONTEXT_TTL_SECONDS under the tag read before computing, within the workspace's byte budget
 * (`storeContextEntry`), and rendered. `render(parts, budget)` may throw (400
 * `budget_too_small`): that propagates, the parts stay stored. The tag's two reads run in
 * parallel: one Upstash request (CONTEXT_SCRIPT) and one primary-key query (the safety
 * generations). With `prefetched` (this key's reads, started by the access gate) the Upstash read
 * rides in the same HTTP request as the gate's script (the client pipelines concurrent commands)
 * and the query runs beside it: a memory hit costs that one request and that one query; otherwise
 * the Upstash read is one more request after the gate's, the query beside it. A memory copy built
 * under an older safety generation but the current catalog token costs one more HGET of the Redis
 * entry (another isolate may have stored a current one), else computes.
 * With Redis off or failing every read computes, as before the cache, and memory is not consulted
 * (the catalog part of its tag cannot be checked). A database failure of the safety read
 * propagates (the assembly would need the database anyway).
 */
export async function cachedAssembledContext(
  deps: ContextCacheDeps,
  memory: ContextMemory,
  workspaceId: string,
  agentId: string,
  budget: number | undefined,
  compute: () => Promise<unknown>,
  defer: (work: Promise<unknown>) => void,
  prefetched?: ContextPrefetch,
  render: (parts: unknown, budget: number | undefined) => unknown = asIs,
): Promise<{ body: string; source: ContextSource }> {
  const { cache } = deps;
  if (!cache.redis) return { body: JSON.stringify(render(await compute(), budget)), source: "computed" };
  const key = contextMemoryKey(workspaceId, agentId, budget);
  const early = prefetched?.key === key ? prefetched : undefined;
  const [safety, current] = await Promise.all([
    early?.safety ?? safetyGenerations(deps.db, workspaceId),
    early?.read ?? readRedis(cache, workspaceId, agentId, catalogPart(memory.tagOf(key))),
  ]);
  if (!current) return { body: JSON.stringify(render(await compute(), budget)), source: "computed" };
  const tag = fullTag(current.catalog, safety);
  const remembered = memory.get(key, tag);
  if (remembered !== undefined) return { body: remembered, source: "memory" };
  const entry = current.entryRead ? current.entry : await readEntry(cache, workspaceId, agentId);
  if (entry && entry.tag === tag) {
    // A corrupt entry (never written by this code) is recomputed and overwritten.
    const stored = await gunzipFromBase64(entry.gzip).then((text) => JSON.parse(text) as unknown, () => undefined);
    if (stored !== undefined) {
      const body = JSON.stringify(render(stored, budget));
      memory.set(key, tag, body);
      return { body, source: "redis" };
    }
  }
  const parts = await compute();
  // Compressed and stored after the response is sent: the miss does not wait for it. A refused
  // store (over the workspace's budget, or Redis at maxmemory) leaves no entry or an old one, which
  // no longer matches any tag read after this point.
  const workspaceBytes = deps.workspaceBytes ?? DEFAULT_CONTEXT_WORKSPACE_BYTES;
  defer(gzipToBase64(JSON.stringify(parts)).then((gzip) => storeContextEntry(cache, workspaceId, agentId, { tag, gzip }, workspaceBytes)));
  const body = JSON.stringify(render(parts, budget));
  memory.set(key, tag, body);
  return { body, source: "computed" };
}
