import type { Redis } from "@upstash/redis/cloudflare";

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends; also the Retry-After when refused. */
  resetSeconds: number;
}

const WINDOW_MS = 60_000;

// Sliding-window counter: the previous fixed window's count weighted by how much of it still
// overlaps the sliding minute, plus the current window's count. One script keeps the check and
// the increment atomic; it uses only core commands, so stock Redis and Upstash both run it.
const SCRIPT = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local elapsed = tonumber(ARGV[3])
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local weight = previous * (window - elapsed) / window
if weight + current >= limit then
  return {0, math.floor(weight + current)}
end
current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], window * 2) end
return {1, math.floor(weight + current)}
`;

/**
 * Counts one request against `limit` per minute for `subject`. Returns null when Redis is not
 * available: rate limiting fails open, it never refuses requests because the cache is down.
 */
export async function consumeRateLimit(
  redis: Redis | null,
  subject: string,
  limit: number,
  now = Date.now(),
): Promise<RateLimitDecision | null> {
  if (!redis) return null;
  const window = Math.floor(now / WINDOW_MS);
  const elapsed = now - window * WINDOW_MS;
  try {
    const [allowed, used] = (await redis.eval(SCRIPT, [`rl:${subject}:${window}`, `rl:${subject}:${window - 1}`], [
      limit,
      WINDOW_MS,
      elapsed,
    ])) as [number, number];
    return {
      allowed: allowed === 1,
      limit,
      remaining: Math.max(0, limit - used),
      resetSeconds: Math.max(1, Math.ceil((WINDOW_MS - elapsed) / 1000)),
    };
  } catch {
    return null;
  }
}

export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    "RateLimit-Limit": String(decision.limit),
    "RateLimit-Remaining": String(decision.remaining),
    "RateLimit-Reset": String(decision.resetSeconds),
  };
  if (!decision.allowed) headers["Retry-After"] = String(decision.resetSeconds);
  return headers;
}

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;

export function defaultRateLimit(configured: string | undefined): number {
  const parsed = Number(configured);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : DEFAULT_RATE_LIMIT_PER_MINUTE;
}
