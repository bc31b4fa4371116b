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
  /** The raw client for callers with their own fallback (rate limiting); null when the cache is off. */
  readonly redis: Redis | null;
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
  const redis = new Redis({
    url: env.UPSTASH_REDIS_REST_URL,
    token: env.UPSTASH_REDIS_REST_TOKEN,
    retry: { retries: 1, backoff: () => 200 },
    // The one deadline for every call through this client (cache reads and writes, the rate-limit
    // script, the health ping). A function, so each request gets a fresh signal: the client then
    // rethrows the abort (with a plain signal it would return the string "Aborted" as the value).
    signal: () => AbortSignal.timeout(timeoutMs),
  });
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
    redis,
    get: <T>(key: string) => guard("get", null, () => redis.get<T>(key)),
    mget: <T>(keys: string[]) =>
      keys.length ? guard("mget", keys.map(() => null as T | null), () => redis.mget<Array<T | null>>(...keys)) : Promise.resolve([]),
    set: (key, value, ttlSeconds) => guard("set", undefined, async () => void (await redis.set(key, value, { ex: ttlSeconds }))),
    del: (...keys) => guard("del", undefined, async () => void (keys.length ? await redis.del(...keys) : 0)),
    ping: () => guard<CacheStatus>("ping", "error", async () => ((await redis.ping()) === "PONG" ? "ok" : "error")),
  };
}

const disabledCache: Cache = {
  enabled: false,
  redis: null,
  get: async () => null,
  mget: async (keys) => keys.map(() => null),
  set: async () => {},
  del: async () => {},
  ping: async () => "off",
};
