import type { Cache } from "../../clients/cache";
import type { Queryable } from "../../db/client";
import { safetyGenerations } from "../../db/queries/generations";
import { gunzipFromBase64, gzipToBase64 } from "../../lib/gzip-text";
import { parseReply } from "../../lib/redis-reply";
import { CATALOG_GENERATION_KEY, CATALOG_GENERATION_TTL_SECONDS, catalogGenerationLua } from "../catalog-cache";
import type { ContextMemory } from "./context-memory";

/**
 * Whole assembled-context responses in Redis, gzip-compressed (issue 15 items 5–6), so a repeated
 * read costs no assembly, with a copy in the isolate's memory (context-memory.ts) so a repeated
 * read does not move the body again. An entry records what it was built under as the tag
 * `<catalog>:<takedown>.<workspace>`, and either tier serves it only while all three are current:
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

/** One entry per workspace, agent and requested budget (`default` when none was given). */
export const assembledContextKey = (workspaceId: string, agentId: string, budget: number | undefined) =>
  `context:${workspaceId}:${agentId}:${budget ?? "default"}`;

/** A Redis entry: the tag it was built under and the body, gzip-compressed as base64 (lib/gzip-text.ts). */
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
 * catalog generation (ARGV[1]), the stored entry. So a memory hit moves a few bytes, and a Redis
 * hit the entry, in the same single request. A reply of one element means the entry was not read.
 * KEYS: catalog generation, entry. ARGV: the memory copy's catalog token or "", a new catalog
 * token, its TTL in seconds. At `maxmemory` the script still answers while the token exists (a
 * read); creating one is refused with OOM, and the read then computes (see below).
 */
const CONTEXT_SCRIPT = `
${catalogGenerationLua("KEYS[1]", "ARGV[2]", "ARGV[3]")}
if ARGV[1] == generation then return {generation} end
return {generation, redis.call('GET', KEYS[2])}
`;

/** A stored entry (from the script's reply or a GET, lib/redis-reply.ts); null when absent or not of this shape. */
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

/** The script's reply for one entry key; null when Redis is off or failing (nothing can then be checked). */
async function readRedis(cache: Cache, key: string, memoryCatalog: string): Promise<RedisRead | null> {
  if (!cache.redis) return null;
  try {
    const reply = await cache.redis.eval(CONTEXT_SCRIPT, [CATALOG_GENERATION_KEY, key], [memoryCatalog, crypto.randomUUID(), CATALOG_GENERATION_TTL_SECONDS]);
    if (!Array.isArray(reply) || reply[0] === null || reply[0] === undefined) return null;
    return { catalog: String(reply[0]), entryRead: reply.length > 1, entry: storedEntry(reply[1]) };
  } catch {
    return null;
  }
}

/** What an assembled-context read needs besides the database: the cache and where the safety generations are read. */
export interface ContextCacheDeps {
  cache: Cache;
  /** PostgreSQL (the route's HTTP client): the safety generations' one query. */
  db: Queryable;
}

/** The tag reads (CONTEXT_SCRIPT and the safety generations) for one entry key, started before the route runs. */
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
 * of one after the other. Only when this isolate already holds a copy under the key (it served
 * the same workspace's agent before), so a request the gate then refuses costs at most the one
 * read and the one query the same agent's readers made anyway; `undefined` otherwise, and the
 * route reads after the gate as usual. Never throws; `safety` rejects if the database fails.
 */
export function prefetchContext(
  deps: ContextCacheDeps,
  memory: ContextMemory,
  workspaceId: string,
  agentId: string,
  budget: number | undefined,
): ContextPrefetch | undefined {
  const key = assembledContextKey(workspaceId, agentId, budget);
  const tag = memory.tagOf(key);
  if (tag === undefined || !deps.cache.redis) return undefined;
  const safety = safetyGenerations(deps.db, workspaceId);
  // Unused when the gate refuses the request: its failure must not surface as an unhandled
  // rejection. The route awaits the same promise, which still rejects for it.
  safety.catch(() => {});
  return { key, read: readRedis(deps.cache, key, catalogPart(tag)), safety };
}

/** Where an answer came from: the isolate's memory, Redis, or a fresh assembly. */
export type ContextSource = "memory" | "redis" | "computed";

/**
 * The JSON body of the agent's assembled context, from the first tier holding a copy built under
 * the current tag: the isolate's memory (context-memory.ts), then Redis, else `compute()` (whose
 * errors propagate, and are never cached), kept in memory and stored in Redis through `defer` for
 * CONTEXT_TTL_SECONDS under the tag read before computing. The tag's two reads run in parallel:
 * one Upstash request (CONTEXT_SCRIPT) and one primary-key query (the safety generations). With
 * `prefetched` (this key's reads, started by the access gate) the Upstash read rides in the same
 * HTTP request as the gate's script (the client pipelines concurrent commands) and the query runs
 * beside it: a memory hit costs that one request and that one query; otherwise the Upstash read is
 * one more request after the gate's, the query beside it. A memory copy built under an older
 * safety generation but the current catalog token costs one more GET of the Redis entry (another
 * isolate may have stored a current one), else computes.
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
): Promise<{ body: string; source: ContextSource }> {
  const { cache } = deps;
  if (!cache.redis) return { body: JSON.stringify(await compute()), source: "computed" };
  const key = assembledContextKey(workspaceId, agentId, budget);
  const early = prefetched?.key === key ? prefetched : undefined;
  const [safety, current] = await Promise.all([
    early?.safety ?? safetyGenerations(deps.db, workspaceId),
    early?.read ?? readRedis(cache, key, catalogPart(memory.tagOf(key))),
  ]);
  if (!current) return { body: JSON.stringify(await compute()), source: "computed" };
  const tag = fullTag(current.catalog, safety);
  const remembered = memory.get(key, tag);
  if (remembered !== undefined) return { body: remembered, source: "memory" };
  const entry = current.entryRead ? current.entry : storedEntry(await cache.get(key));
  if (entry && entry.tag === tag) {
    // A corrupt entry (never written by this code) is recomputed and overwritten.
    const stored = await gunzipFromBase64(entry.gzip).catch(() => null);
    if (stored !== null) {
      memory.set(key, tag, stored);
      return { body: stored, source: "redis" };
    }
  }
  const body = JSON.stringify(await compute());
  memory.set(key, tag, body);
  // Compressed after the response is sent: the miss does not wait for it. A refused SET (Redis at
  // maxmemory) leaves the old entry, which no longer matches any tag read after this point.
  defer(gzipToBase64(body).then((gzip) => cache.set(key, { tag, gzip } satisfies StoredContext, CONTEXT_TTL_SECONDS)));
  return { body, source: "computed" };
}
