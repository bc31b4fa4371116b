import { isolateCaches } from "../lib/isolate-caches";
import type { Principal } from "./auth/principal";

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends; also the Retry-After when refused. */
  resetSeconds: number;
}

// The decision itself is made in Redis by the hot-path script (services/hot-path.ts), which reads
// the cached principal's own limit in the same call (issue 11 item 2). When Redis cannot make it
// (off, down, past its deadline, or refusing writes at maxmemory: the script's INCR answers OOM),
// the isolate-local window below decides instead (issue 26 item 4), so an outage or a full Redis
// never lifts anyone's limit.

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

/** The window of every limit, in Redis and in the isolate alike: one minute, in milliseconds. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/** One sliding minute a request counts in: whose, and how many requests it allows. */
export interface RateWindow {
  subject: string;
  limit: number;
}

/**
 * The windows a principal's request counts in, as the hot-path script counts them: its own (the
 * key's own limit, else the default; users the default), then, for a key minted by a key, each
 * ancestor's (issue 26 item 9: a parent's limit bounds everything minted under it).
 * @param ownSubject the principal's rate-limit subject (`apiKeyRateSubject(hash)` for a key, so an
 *   ancestor's own requests and its children's meet in one window)
 */
export function rateWindowsOf(principal: Principal, ownSubject: string, defaultLimit: number): RateWindow[] {
  if (principal.kind === "user") return [{ subject: ownSubject, limit: defaultLimit }];
  const { key } = principal;
  return [{ subject: ownSubject, limit: key.rateLimitPerMinute ?? defaultLimit }, ...(key.ancestors ?? []).map((a) => ({ subject: a.subject, limit: a.limit ?? defaultLimit }))];
}

interface LocalWindow {
  /** Index of the current fixed minute (ms since the epoch / RATE_LIMIT_WINDOW_MS). */
  window: number;
  current: number;
  previous: number;
}

/**
 * Sliding-window counters in this isolate's memory, the same algorithm as the hot-path script:
 * the previous fixed minute's count weighted by its overlap with the sliding minute, plus the
 * current minute's count. A request is allowed only while every window it counts in is under its
 * limit, and is then counted in all of them; a refused request is counted nowhere. Holds at most
 * `maxSubjects` subjects, the least recently counted dropped first (a dropped subject starts again
 * at 0, so resetting one's own count takes keeping `maxSubjects` other principals busy in the same
 * isolate).
 */
export class LocalRateLimiter {
  private readonly windows = new Map<string, LocalWindow>();

  constructor(private readonly maxSubjects: number) {}

  /** Subjects held now. */
  get size(): number {
    return this.windows.size;
  }

  /**
   * Counts one request in `windows` unless one of them is full. The decision reports the window
   * with the least room (the one that refused, when refused), as the hot-path script does.
   * @param now milliseconds since the epoch
   */
  hit(windows: RateWindow[], now = Date.now()): RateLimitDecision {
    const minute = Math.floor(now / RATE_LIMIT_WINDOW_MS);
    const elapsed = now - minute * RATE_LIMIT_WINDOW_MS;
    const resetSeconds = Math.max(1, Math.ceil((RATE_LIMIT_WINDOW_MS - elapsed) / 1000));
    const states = windows.map((w) => ({ ...w, state: this.touch(w.subject, minute) }));
    let tightest: { limit: number; used: number } | undefined;
    for (const { limit, state } of states) {
      const used = (state.previous * (RATE_LIMIT_WINDOW_MS - elapsed)) / RATE_LIMIT_WINDOW_MS + state.current;
      if (used >= limit) return { allowed: false, limit, remaining: 0, resetSeconds };
      if (!tightest || limit - used < tightest.limit - tightest.used) tightest = { limit, used };
    }
    for (const { state } of states) state.current += 1;
    const { limit, used } = tightest ?? { limit: 0, used: 0 };
    return { allowed: true, limit, remaining: Math.max(0, limit - Math.floor(used + 1)), resetSeconds };
  }

  /** Forgets every subject. */
  clear(): void {
    this.windows.clear();
  }

  /** The subject's counters moved to `minute`, as the most recently used. */
  private touch(subject: string, minute: number): LocalWindow {
    const held = this.windows.get(subject);
    let state: LocalWindow;
    if (!held || held.window < minute - 1) state = { window: minute, current: 0, previous: 0 };
    else if (held.window === minute - 1) state = { window: minute, current: 0, previous: held.current };
    else state = held;
    // Most recent last, so the first key is the one to drop.
    this.windows.delete(subject);
    this.windows.set(subject, state);
    if (this.windows.size > this.maxSubjects) this.windows.delete(this.windows.keys().next().value!);
    return state;
  }
}

/** Subjects one isolate counts while Redis cannot: about 1 MB at most. */
const LOCAL_SUBJECTS_MAX = 10_000;

// Isolate scope on purpose: the windows must outlive a request to count anything. They hold
// subjects and counters only, never a principal or a decision another request could reuse.
const isolateLimiter = new LocalRateLimiter(LOCAL_SUBJECTS_MAX);
isolateCaches.register("isolate rate-limit windows", () => isolateLimiter.clear());

/**
 * The decision when Redis gives none (off, unreachable, past CACHE_TIMEOUT_MS, or refusing writes
 * with OOM at maxmemory, where the hot-path script's INCR fails): this isolate's own sliding
 * minutes for `windows` (rateWindowsOf), at the same per-minute limits. Fail-safe rather than
 * fail-open or fail-closed: a caller whose requests land on N isolates gets at most N × its limit
 * while Redis is out, never an unlimited rate, and reads and writes both stay available within
 * it. Design §32's memory-served reads use the same windows.
 */
export function localRateLimit(windows: RateWindow[], now = Date.now()): RateLimitDecision {
  return isolateLimiter.hit(windows, now);
}
