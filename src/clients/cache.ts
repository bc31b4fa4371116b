import { Redis } from "@upstash/redis/cloudflare";
import { isolateCaches } from "../lib/isolate-caches";
import type { Logger } from "../lib/logger";

export type CacheStatus = "ok" | "off" | "error";

/**
 * Redis behind a wall: every call degrades to "miss" / no-op on failure or after the deadline
 * (`CACHE_TIMEOUT_MS`), so a cache outage never breaks a request or slows it by more than that
 * (design.md §17).
 */
export interface Cache {
  readonly enabled: boolean;
  /**
   * The raw client for callers with their own fallback; null when the cache is off. Built on first
   * use (its construction costs more CPU than a cached read's other work: issue 32), for this
   * request only, with the client's defaults: base64 replies decoded and JSON values parsed, so it
   * reads any value whatever bytes it holds, and commands issued together are pipelined.
   */
  readonly redis: Redis | null;
  /**
   * The client for the values this app writes as UTF-8 text itself (JSON from JSON.stringify,
   * tokens, counters), read on the hot path: replies come back as plain JSON text, not base64, and
   * are never parsed by the client (callers parse what they read: lib/redis-reply.ts). Shared by
   * the isolate's requests (textClient); null when the cache is off. Never for a value that may hold
   * bytes that are not UTF-8: the REST API would replace them with U+FFFD (issue 32 item 2).
   */
  readonly text: Redis | null;
  get<T>(key: string): Promise<T | null>;
  /** Several keys in one round trip; all null on failure. */
  mget<T>(keys: string[]): Promise<Array<T | null>>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  ping(): Promise<CacheStatus>;
}

export interface CacheEnv {
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** Deadline of each Redis request in milliseconds (default 250, 20–5000). */
  CACHE_TIMEOUT_MS?: string;
}

/**
 * How long any Redis request may take, retries included, before the caller goes on as if the
 * cache were off (issue 10, item 2: a Redis that accepts connections but never answers must not
 * hang requests). Upstash answers in single-digit milliseconds near the worker and a write to the
 * primary region well under 250 ms, so the default only ever cuts off a sick cache.
 */
export const DEFAULT_CACHE_TIMEOUT_MS = 250;

export function cacheTimeoutMs(configured: string | undefined): number {
  const parsed = Number(configured);
  return configured && Number.isInteger(parsed) && parsed >= 20 && parsed <= 5000 ? parsed : DEFAULT_CACHE_TIMEOUT_MS;
}

let reportedOff = false;
isolateCaches.register("cache-off log line", () => (reportedOff = false));

/**
 * The isolate's text clients, by endpoint, token and deadline (a deployment has one; tests point
 * some requests at other endpoints). Isolate scope on purpose: a client holds configuration and
 * functions only, no I/O object (each command is its own fetch, made by the request that issues
 * it), and building one per request cost about a third of a cached read's CPU (npm run bench,
 * issue 32). Auto-pipelining is off, so a command is never batched with another request's.
 */
const textClients = new Map<string, Redis>();
const TEXT_CLIENTS_MAX = 8;
isolateCaches.register("upstash text clients", () => textClients.clear());

function redisOptions(url: string, token: string, timeoutMs: number) {
  return {
    url,
    token,
    retry: { retries: 1, backoff: () => 200 },
    // The one deadline for every call through a client (cache reads and writes, the rate-limit
    // script, the health ping). A function, so each call gets a fresh signal: the client then
    // rethrows the abort (with a plain signal it would return the string "Aborted" as the value).
    signal: () => AbortSignal.timeout(timeoutMs),
  };
}

/** The shared text client of an endpoint (Cache.text): plain-JSON replies, no parsing, no auto-pipelining. */
function textClient(url: string, token: string, timeoutMs: number): Redis {
  const id = `${timeoutMs} ${url} ${token}`;
  let client = textClients.get(id);
  if (!client) {
    client = new Redis({
      ...redisOptions(url, token, timeoutMs),
      responseEncoding: false,
      automaticDeserialization: false,
      enableAutoPipelining: false,
      enableTelemetry: false,
    });
    if (textClients.size >= TEXT_CLIENTS_MAX) textClients.delete(textClients.keys().next().value!);
    textClients.set(id, client);
  }
  return client;
}

export function createCache(env: CacheEnv, logger: Logger): Cache {
  if (!env.UPSTASH_REDIS_REST_URL || !env.UPSTASH_REDIS_REST_TOKEN) {
    // Isolate-level flag: it only de-duplicates a log line, it holds no request data.
    if (!reportedOff) {
      reportedOff = true;
      logger.warn("cache_off", { reason: "UPSTASH_REDIS_REST_URL or UPSTASH_REDIS_REST_TOKEN is not set" });
    }
    return disabledCache;
  }
  const timeoutMs = cacheTimeoutMs(env.CACHE_TIMEOUT_MS);
  const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token } = env;
  let client: Redis | undefined;
  const redis = () => (client ??= new Redis(redisOptions(url, token, timeoutMs)));
  let warned = false;
  const guard = async <T>(operation: string, fallback: T, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (!warned) {
        warned = true;
        logger.warn("cache_error", { operation, error: error instanceof Error ? error.message : String(error) });
      }
      return fallback;
    }
  };
  return {
    enabled: true,
    get redis() {
      return redis();
    },
    text: textClient(url, token, timeoutMs),
    get: <T>(key: string) => guard("get", null, () => redis().get<T>(key)),
    mget: <T>(keys: string[]) =>
      keys.length ? guard("mget", keys.map(() => null as T | null), () => redis().mget<Array<T | null>>(...keys)) : Promise.resolve([]),
    set: (key, value, ttlSeconds) => guard("set", undefined, async () => void (await redis().set(key, value, { ex: ttlSeconds }))),
    del: (...keys) => guard("del", undefined, async () => void (keys.length ? await redis().del(...keys) : 0)),
    ping: () => guard<CacheStatus>("ping", "error", async () => ((await redis().ping()) === "PONG" ? "ok" : "error")),
  };
}

const disabledCache: Cache = {
  enabled: false,
  redis: null,
  text: null,
  get: async () => null,
  mget: async (keys) => keys.map(() => null),
  set: async () => {},
  del: async () => {},
  ping: async () => "off",
};
