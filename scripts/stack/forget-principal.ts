// Dev tools that change a user's platform role straight in the database (`npm run admin`) must also
// drop the worker's cached principal, as the API's own role changes do (issue 11 item 1), or the
// change is seen only when the entry expires (60 s).
import { Redis } from "@upstash/redis";
import { userCacheKey } from "../../src/services/auth/principal-cache";

/**
 * Deletes the cached principal of `clerkUserId` from the Redis behind `bindings` (the running dev
 * stack's Upstash settings). Returns true when the cache was reached (entry deleted or absent),
 * false when there is no cache to reach or it did not answer within 2 s.
 */
export async function forgetCachedUser(bindings: Record<string, string> | undefined, clerkUserId: string): Promise<boolean> {
  const url = bindings?.UPSTASH_REDIS_REST_URL;
  const token = bindings?.UPSTASH_REDIS_REST_TOKEN;
  if (!url || !token) return false;
  try {
    const redis = new Redis({ url, token, retry: false, signal: AbortSignal.timeout(2_000) });
    await redis.del(userCacheKey(clerkUserId));
    return true;
  } catch {
    return false;
  }
}
