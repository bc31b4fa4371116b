import { env } from "cloudflare:workers";
import { Redis } from "@upstash/redis/cloudflare";
import { hashApiKey } from "../../src/services/auth/api-key-format";
import { apiKeyCacheKey, membershipCacheKey, userCacheKey } from "../../src/services/auth/principal-cache";

/** The test stack's Redis, through the same local Upstash endpoint the worker uses. */
export function testRedis(): Redis {
  return new Redis({ url: env.UPSTASH_REDIS_REST_URL!, token: env.UPSTASH_REDIS_REST_TOKEN!, retry: false });
}

/**
 * Ends the principal-cache entries of these API keys, as their TTL would. For tests that change
 * the database directly: API writes delete the entries themselves.
 */
export async function expireKeyPrincipals(...secrets: string[]): Promise<void> {
  const keys = await Promise.all(secrets.map(async (s) => apiKeyCacheKey(await hashApiKey(s))));
  if (keys.length) await testRedis().del(...keys);
}

/** The principal-cache keys of a Clerk user and their membership, to inspect in tests. */
export const userCacheKeys = (clerkUserId: string, workspaceId: string) => ({
  principal: userCacheKey(clerkUserId),
  membership: membershipCacheKey(workspaceId, clerkUserId),
});

/**
 * One raw command to the suite's redis-server through its Upstash endpoint, the reply as Redis gave
 * it (values as stored, never parsed as the client would): for tests that count or read keys.
 */
export async function rawRedis(...command: Array<string | number>): Promise<unknown> {
  const response = await fetch(env.UPSTASH_REDIS_REST_URL!, {
    method: "POST",
    headers: { Authorization: `Bearer ${env.UPSTASH_REDIS_REST_TOKEN}` },
    body: JSON.stringify(command.map(String)),
  });
  const reply = (await response.json()) as { result?: unknown; error?: string };
  if (reply.error) throw new Error(reply.error);
  return reply.result;
}
