export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends; also the Retry-After when refused. */
  resetSeconds: number;
}

// The decision itself is made in Redis by the hot-path script (services/hot-path.ts), which reads
// the cached principal's own limit in the same call (issue 11 item 2).

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
