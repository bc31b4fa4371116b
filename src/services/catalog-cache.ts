import type { Context } from "hono";
import { routePath } from "hono/route";
import type { Cache } from "../clients/cache";
import { contentSha256 } from "../domain/content-hash";
import { isolateCaches } from "../lib/isolate-caches";
import { parseReply } from "../lib/redis-reply";
import type { Principal } from "./auth/principal";
import { catalogMemory, forgetCatalogMemory } from "./catalog-memory";

/**
 * Catalog responses are cached under the query and a generation kept in Redis (design.md §15).
 * Every write that changes what the catalog shows calls `invalidateCatalog`, the one invalidation
 * path: replacing the generation makes every cached page (and assembled context, whose tag carries
 * it: plugins/context-cache.ts) stale at once.
 *
 * The generation is a random token, never a counter. Were the key evicted (Redis under memory
 * pressure, a flush, a lost replica), a counter would read as absent, then 1, 2, … again, and
 * entries built under those old numbers would become current again: stale pages and contexts
 * served. A token is fresh each time: when the key is absent, the first reader stores a new one
 * (in the same atomic script as its read, `catalogGenerationLua`) and uses what is then stored,
 * so an absent key matches no entry ever written.
 */
export const CATALOG_GENERATION_KEY = "catalog:generation";
/**
 * How long a generation token lives without a write: twice the longest-lived entry that depends on
 * it (assembled contexts, CONTEXT_TTL_SECONDS = 3600 s; catalog pages live 60 s). Expiry is always safe (the next reader draws a new token, so
 * entries only miss); the TTL only bounds how often a quiet catalog pays that one round of misses
 * and keeps the key evictable under a volatile-* policy. Not imported from context-cache.ts, which
 * imports this module.
 */
export const CATALOG_GENERATION_TTL_SECONDS = 2 * 3600;
/** Also the most that install counts may lag. */
export const CATALOG_MAX_AGE_SECONDS = 60;

/**
 * Deletes the generation: the next reader stores a fresh token (catalogGenerationLua), so every
 * entry built under the old one is stale. A `DEL`, never a `SET`: Redis accepts a `DEL` even at
 * `maxmemory`, where a `SET` is refused with OOM and the old generation would stay (design.md §29).
 */
export async function invalidateCatalog(cache: Cache): Promise<void> {
  // This isolate's copy of the generation goes first and last (design.md §32: an isolate reads its own writes).
  forgetCatalogMemory();
  await cache.del(CATALOG_GENERATION_KEY);
  forgetCatalogMemory();
}

/**
 * Lua for a script that reads the generation: sets the local `generation` to the stored token,
 * storing `token` (with `ttl` seconds) first when the key is absent. A script runs atomically, so
 * two readers of an absent key cannot store different tokens and each use its own. Each argument
 * is a Lua expression (`KEYS[1]`, `ARGV[2]`).
 */
export function catalogGenerationLua(key: string, token: string, ttl: string): string {
  return `local generation = redis.call('GET', ${key})
if not generation then
  generation = ${token}
  redis.call('SET', ${key}, generation, 'EX', ${ttl})
end`;
}

/** The script's reply value as the token: the client may have parsed it (a legacy counter); absent → null. */
export function generationOf(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return null;
}

export interface StoredResponse {
  generation: string;
  etag: string;
  body: string;
}

/**
 * How a page is stored in Redis: `page:2`, the generation, the ETag and the body, one per line
 * (neither a generation token nor an ETag holds a line break; the body is the rest). Plain text
 * rather than JSON, so the body is not escaped inside another JSON string and a read does not parse
 * it twice (issue 32 item 2).
 */
const PAGE_FORMAT = "page:2\n";

export function encodeStoredResponse(stored: StoredResponse): string {
  return `${PAGE_FORMAT}${stored.generation}\n${stored.etag}\n${stored.body}`;
}

/**
 * A stored page as the client returned it; null when absent or not of this shape. An entry of the
 * JSON era (`{generation, etag, body}`, text or already parsed) is still read; one of the counter
 * era, with a numeric generation, only misses.
 */
export function storedResponseOf(value: unknown): StoredResponse | null {
  if (typeof value === "string" && value.startsWith(PAGE_FORMAT)) {
    const afterGeneration = value.indexOf("\n", PAGE_FORMAT.length);
    const afterEtag = afterGeneration < 0 ? -1 : value.indexOf("\n", afterGeneration + 1);
    if (afterEtag < 0) return null;
    return { generation: value.slice(PAGE_FORMAT.length, afterGeneration), etag: value.slice(afterGeneration + 1, afterEtag), body: value.slice(afterEtag + 1) };
  }
  const candidate = parseReply(value) as Partial<StoredResponse> | null;
  return candidate && typeof candidate === "object" && typeof candidate.generation === "string" && typeof candidate.etag === "string" && typeof candidate.body === "string"
    ? (candidate as StoredResponse)
    : null;
}

export interface CatalogResponse {
  body: string;
  etag: string;
  fromCache: boolean;
}

/**
 * `"g<first 8 characters of the generation>-<16 hex of the body's SHA-256>"`: short, and it changes
 * with the body and (but for a 1 in 2^32 chance, when the body is the same anyway) with the
 * generation. `"g-<hex>"` when Redis could not say the generation.
 */
async function etagOf(generation: string | null, body: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  const hex = [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `"g${(generation ?? "").slice(0, 8)}-${hex}"`;
}

/**
 * What the access gate already read for this request in its one Redis round trip
 * (services/hot-path.ts); `unavailable` when that call failed, so the cache is not tried again.
 */
export type Prefetched =
  | {
      key: string;
      generation: string;
      stored: StoredResponse | null;
      /** Keep the answer in the isolate's catalog memory tier (catalog-memory.ts): set when the tier is on. */
      remember?: boolean;
    }
  | { key: string; unavailable: true };

/**
 * One Upstash request: the generation (created when absent: catalogGenerationLua) and the page.
 * KEYS: generation, page. ARGV: a new token, its TTL in seconds.
 */
const PAGE_SCRIPT = `
${catalogGenerationLua("KEYS[1]", "ARGV[1]", "ARGV[2]")}
return {generation, redis.call('GET', KEYS[2])}
`;

/** The generation and the stored page for `key`; null when Redis is off or failing. */
async function readPage(cache: Cache, key: string): Promise<{ generation: string; stored: StoredResponse | null } | null> {
  if (!cache.text) return null;
  try {
    const reply = await cache.text.eval(PAGE_SCRIPT, [CATALOG_GENERATION_KEY, key], [crypto.randomUUID(), CATALOG_GENERATION_TTL_SECONDS]);
    const generation = Array.isArray(reply) ? generationOf(reply[0]) : null;
    return generation === null ? null : { generation, stored: storedResponseOf((reply as unknown[])[1]) };
  } catch {
    return null;
  }
}

/**
 * Who pays for storing a page: the subject whose budget of new entries (`catalogFillBudget`) a miss
 * is charged to. `fills` is its Redis counter key (`catalog-fills:<subject>`, outside the
 * `catalog:/…` page namespace), `budget` the new entries it may store per minute.
 */
export interface FillBudget {
  subject: string;
  budget: number;
}

/**
 * New catalog pages one subject may store per minute when CATALOG_CACHE_FILLS_PER_MINUTE is unset
 * or not an integer in 0–1,000,000 (issue 26 item 4). A page lives CATALOG_MAX_AGE_SECONDS (60 s),
 * so a subject's own entries number at most two windows' worth at any moment (240: ~10 MB at the
 * ~41 KB of a 50-item page), however many keys or requests it has. Reading what anyone stored
 * costs nothing, so only novel pages count: a person browsing makes a few a minute, and a client
 * paging the whole catalog at limit=100 makes 100 a minute for 10,000 items.
 */
export const DEFAULT_CATALOG_FILLS_PER_MINUTE = 120;

/** The configured budget (CATALOG_CACHE_FILLS_PER_MINUTE: an integer 0–1,000,000; 0 stores nothing), else the default. */
export function catalogFillBudget(configured: string | undefined): number {
  const parsed = Number(configured);
  return configured !== undefined && configured.trim() !== "" && Number.isInteger(parsed) && parsed >= 0 && parsed <= 1_000_000
    ? parsed
    : DEFAULT_CATALOG_FILLS_PER_MINUTE;
}

/**
 * The subject a caller's new pages are charged to: an API key's workspace (its up to 100 live keys
 * share one budget), a user's own id. A user is charged as themselves even when naming a workspace:
 * the catalog's answer is the same for any (catalog reads are not workspace-scoped), and a member
 * of many workspaces must not get a budget per header value. Every catalog reader is one of the
 * two (CATALOG_ACCESS is `authenticated`; platform admins' answers are never stored).
 */
export function catalogFillSubject(principal: Principal): string {
  return principal.kind === "api_key" ? `workspace:${principal.key.workspaceId}` : `user:${principal.user.id}`;
}

/** Who pays when a caller passes no budget (only tests do): one shared subject, still bounded. */
const UNATTRIBUTED: FillBudget = { subject: "unattributed", budget: DEFAULT_CATALOG_FILLS_PER_MINUTE };

/** The fill counter's window in seconds: a fixed minute from the subject's first fill in it. */
const FILL_WINDOW_SECONDS = 60;

/**
 * Stores a page only while its subject is under budget, atomically (issue 26 item 4): counts the
 * fill in a per-minute counter and SETs the page in the same script, so racing misses cannot
 * overshoot. The TTL is set on the counter's first fill, and again should it ever lack one (a
 * counter without a TTL would refuse that subject forever). Answers 1 when stored, 0 when over.
 * KEYS: counter, page. ARGV: budget, window seconds, page JSON, page TTL seconds.
 */
const STORE_SCRIPT = `
local fills = redis.call('INCR', KEYS[1])
if fills == 1 or redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if fills > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
return 1
`;

/**
 * Stores `stored` under `key` for CATALOG_MAX_AGE_SECONDS if `fill.subject` has budget left this
 * minute; true when stored. One Upstash request; never throws (a Redis that is off, failing or full
 * only leaves the page unstored: the next reader computes it again).
 */
async function storePage(cache: Cache, key: string, stored: StoredResponse, fill: FillBudget): Promise<boolean> {
  if (!cache.text || fill.budget <= 0) return false;
  try {
    const reply = await cache.text.eval(STORE_SCRIPT, [`catalog-fills:${fill.subject}`, key], [fill.budget, FILL_WINDOW_SECONDS, encodeStoredResponse(stored), CATALOG_MAX_AGE_SECONDS]);
    return Number(reply) === 1;
  } catch {
    return false;
  }
}

/**
 * The answer for `key` in the current generation: from Redis if stored under it, else computed
 * and stored, after the response (`defer`), if `fill`'s subject has budget left this minute
 * (storePage; without a `fill` a shared test subject pays). With `prefetched` for the same key,
 * Redis is not read again. When the generation is unknown (Redis off, failing, or the gate's read
 * failed) the answer is computed and not stored. A hit costs no more than before: the budget is
 * checked only on the store, which a miss already made.
 */
export async function cachedCatalogResponse(
  cache: Cache,
  key: string,
  compute: () => Promise<unknown>,
  defer: (work: Promise<unknown>) => void,
  prefetched?: Prefetched,
  fill: FillBudget = UNATTRIBUTED,
): Promise<CatalogResponse> {
  const read = prefetched?.key === key ? ("unavailable" in prefetched ? null : prefetched) : await readPage(cache, key);
  const remember = read !== null && "remember" in read && read.remember === true;
  if (read?.stored && read.stored.generation === read.generation) {
    if (remember) catalogMemory().rememberPage(key, read.stored);
    return { body: read.stored.body, etag: read.stored.etag, fromCache: true };
  }
  const body = JSON.stringify(await compute());
  const etag = await etagOf(read?.generation ?? null, body);
  if (read) {
    const stored = { generation: read.generation, etag, body };
    if (remember) catalogMemory().rememberPage(key, stored);
    defer(storePage(cache, key, stored, fill));
  }
  return { body, etag, fromCache: false };
}

/** What a cached catalog read validates: its route's path and query schemas (lib/route.ts registers them). */
interface CatalogReadSchemas {
  /** The OpenAPI path (`/api/marketplace/items/{id}`), named in the key. */
  path: string;
  params?: SafeParser;
  query?: SafeParser;
}

/** The one method of a zod schema the key builder needs. */
interface SafeParser {
  safeParseAsync(value: unknown): Promise<{ success: boolean; data?: unknown }>;
}

/**
 * Every route declared `cachedCatalogRead`, by its Hono path (`/api/marketplace/items/:id`).
 * Isolate scope on purpose: filled once as the route modules load, the same in every isolate; code, never request data.
 */
const catalogReads = new Map<string, CatalogReadSchemas>();

/**
 * Records a cached catalog read's schemas, so that its page key is built from the validated
 * request (catalogRequestKey). Called by `defineRoute` for each route declaring `cachedCatalogRead`,
 * when its module loads; `path` is the OpenAPI path.
 */
export function registerCatalogRead(path: string, request: { params?: SafeParser; query?: SafeParser } | undefined): void {
  catalogReads.set(path.replaceAll(/\/{(.+?)}/g, "/:$1"), { path, params: request?.params, query: request?.query });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The Redis key of a catalog read (issue 9 item 1, issue 11 item 2, issue 26 item 4):
 * `catalog:<OpenAPI path>:<64 hex>`, the SHA-256 of the canonical JSON (content-hash.ts: keys
 * sorted, absent values dropped) of `{params, query}` as the route's own schemas parse them: what
 * the handler computes from, so equal keys mean equal answers. Unknown query names are dropped,
 * defaults filled (`limit=50`, `offset=0`), text trimmed and folded as the schema folds it (tags
 * lower-case, NFC, de-duplicated and sorted; a plugin category slug lower-case), and path ids,
 * which PostgreSQL compares as uuids, lower-cased: so `?x=1`, `?limit=50` and the plain request
 * share one entry, and only parameters that change the answer make new ones (those the fill budget
 * bounds: cachedCatalogResponse). Variants left apart cost a miss, never a wrong answer.
 *
 * Built the way Hono's validator reads the request (`param()`, and each query name's values, a
 * lone one as a string), so the access gate, which runs before the validators, and the handler get
 * the same key. `without` drops query names first (the detail's `include=install`, served from the
 * plain detail's entry). Null for a route never registered or a request its schemas refuse (the
 * validator answers 400 before any page is read).
 */
export async function catalogReadKey(
  honoPath: string,
  params: Record<string, string>,
  queries: Record<string, string[]>,
  without: readonly string[] = [],
): Promise<string | null> {
  const read = catalogReads.get(honoPath);
  if (!read) return null;
  const rawQuery = Object.fromEntries(
    Object.entries(queries)
      .filter(([name]) => !without.includes(name))
      .map(([name, values]) => [name, values.length === 1 ? values[0] : values]),
  );
  const [parsedParams, parsedQuery] = await Promise.all([
    read.params ? read.params.safeParseAsync(params) : { success: true, data: {} },
    read.query ? read.query.safeParseAsync(rawQuery) : { success: true, data: {} },
  ]);
  if (!parsedParams.success || !parsedQuery.success) return null;
  const ids = Object.fromEntries(
    Object.entries((parsedParams.data ?? {}) as Record<string, unknown>).map(([name, value]) => [name, typeof value === "string" && UUID.test(value) ? value.toLowerCase() : value]),
  );
  return `catalog:${read.path}:${await contentSha256({ params: ids, query: samePage((parsedQuery.data ?? {}) as Record<string, unknown>) })}`;
}

/**
 * Page keys already built in this isolate, by route and raw request: parsing the query with the
 * route's schemas and hashing it cost the cached list half its throughput (npm run bench), and a
 * cached page is asked for again and again in the same spelling. A key depends on the request's
 * text and the code alone, never on data, so a remembered one is always right. Bounded: the
 * oldest of CATALOG_KEY_MEMO_ENTRIES goes first.
 */
const rememberedKeys = new Map<string, string | null>();
const CATALOG_KEY_MEMO_ENTRIES = 2_000;
const CATALOG_KEY_MEMO_CHARS = 512;
isolateCaches.register("catalog page keys", () => rememberedKeys.clear());

/**
 * Without a cursor, `offset=0` and no offset ask for the same page (design.md §51 keeps `offset`
 * optional only so that a cursor with an offset can be refused): one key for both.
 */
function samePage(query: Record<string, unknown>): Record<string, unknown> {
  if (query.cursor !== undefined || query.offset !== 0) return query;
  const { offset: _offset, ...rest } = query;
  return rest;
}

/** `catalogReadKey` of the request `c` is answering (in the access gate or the route's handler). */
export async function catalogRequestKey(c: Context, without?: readonly string[]): Promise<string | null> {
  const honoPath = routePath(c);
  const url = c.req.url;
  const memo = `${honoPath} ${without?.join(",") ?? ""} ${url.slice(url.indexOf("/", url.indexOf("//") + 2))}`;
  const remembered = rememberedKeys.get(memo);
  if (remembered !== undefined) return remembered;
  const key = await catalogReadKey(honoPath, c.req.param() as Record<string, string>, c.req.queries(), without);
  // Only short requests are remembered, so the memo holds at most about 2,000 × 512 characters.
  if (memo.length <= CATALOG_KEY_MEMO_CHARS) {
    if (rememberedKeys.size >= CATALOG_KEY_MEMO_ENTRIES) rememberedKeys.delete(rememberedKeys.keys().next().value!);
    rememberedKeys.set(memo, key);
  }
  return key;
}
