import { and, count, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Queryable } from "../client";
import { apiKeys, workspaceMembers, workspaces } from "../schema";
import type { ApiKeyRow, WorkspaceRole } from "./identity";

/** One key above another in its lineage (`created_by_api_key_id` chain): its hash and own limit. */
export interface KeyAncestor {
  keyHash: string;
  /** Requests per minute; null is the deployment default. */
  rateLimitPerMinute: number | null;
}

/**
 * The key with this hash, its creator's current role in the key's workspace (null when the creator
 * is no longer a member, or none is recorded), and the keys above it, nearest first, at most
 * `maxAncestors` of them (the rate limit of each bounds this key's requests: services/api-keys.ts),
 * in one query: the lineage is a recursive subquery beside the key's row.
 */
export async function findApiKeyWithLineage(
  db: Queryable,
  keyHash: string,
  maxAncestors: number,
): Promise<(ApiKeyRow & { creatorRole: WorkspaceRole | null; ancestors: KeyAncestor[] }) | undefined> {
  const ancestors = sql<KeyAncestor[]>`(
    with recursive lineage (id, parent_id, key_hash, rate_limit_per_minute, depth) as (
      select p.id, p.created_by_api_key_id, p.key_hash, p.rate_limit_per_minute, 1
        from api_keys p where p.id = ${apiKeys.createdByApiKeyId}
      union all
      select p.id, p.created_by_api_key_id, p.key_hash, p.rate_limit_per_minute, l.depth + 1
        from api_keys p join lineage l on p.id = l.parent_id
       where l.depth < ${maxAncestors}
    )
    select coalesce(json_agg(json_build_object('keyHash', key_hash, 'rateLimitPerMinute', rate_limit_per_minute) order by depth), '[]'::json)
      from lineage
  )`;
  const [row] = await db
    .select({ key: apiKeys, creatorRole: workspaceMembers.role, ancestors })
    .from(apiKeys)
    .leftJoin(workspaceMembers, and(eq(workspaceMembers.workspaceId, apiKeys.workspaceId), eq(workspaceMembers.userId, apiKeys.createdByUserId)))
    .where(eq(apiKeys.keyHash, keyHash))
    .limit(1);
  if (!row) return undefined;
  // Drivers hand json over parsed; text is parsed here in case one does not.
  const list = typeof row.ancestors === "string" ? (JSON.parse(row.ancestors) as KeyAncestor[]) : row.ancestors;
  return { ...row.key, creatorRole: row.creatorRole, ancestors: list ?? [] };
}

/**
 * Locks the workspace row (FOR NO KEY UPDATE, the lock membership changes take: lockOwners in
 * identity.ts) and then counts its live keys: not revoked and not expired. Call inside the
 * transaction that inserts the key: the count is a later statement than the lock, so under READ
 * COMMITTED it sees every key a concurrent creation committed before this one got the lock, and two
 * creations at the cap cannot both pass. Returns null when the workspace does not exist.
 */
export async function lockAndCountLiveApiKeys(tx: Queryable, workspaceId: string): Promise<number | null> {
  const [locked] = await tx.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.id, workspaceId)).for("no key update");
  if (!locked) return null;
  const [row] = await tx
    .select({ live: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.workspaceId, workspaceId), isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`))));
  return Number(row?.live ?? 0);
}
