import type { Cache } from "../clients/cache";
import type { Database, Queryable } from "../db/client";
import { lockAndCountLiveApiKeys } from "../db/queries/api-keys";
import { insertApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from "../db/queries/identity";
import type { ApiKeyScope } from "../lib/access";
import { ApiError } from "../lib/errors";
import { displayPrefix, generateApiKey, hashApiKey } from "./auth/api-key-format";
import { forgetApiKeys } from "./auth/principal-cache";
import { isPlatformAdmin, MAX_KEY_ANCESTORS, type Principal } from "./auth/principal";

/**
 * Live keys (neither revoked nor expired) a workspace may hold at once (issue 26 item 9): past it,
 * creating one answers 409 `key_limit_reached` until one is revoked or expires. Generous for real
 * use (a key per service, CI job and teammate); it bounds what one tenant can mint, and so the
 * principal-cache entries and rate-limit windows its keys can occupy.
 */
export const MAX_LIVE_API_KEYS_PER_WORKSPACE = 100;

export interface PublicApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  rate_limit_per_minute: number | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** What listings show: never the secret or its hash. */
export function toPublicApiKey(row: ApiKeyRow): PublicApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as ApiKeyScope[],
    rate_limit_per_minute: row.rateLimitPerMinute,
    created_at: row.createdAt.toISOString(),
    last_used_at: iso(row.lastUsedAt),
    expires_at: iso(row.expiresAt),
    revoked_at: iso(row.revokedAt),
  };
}

/**
 * The limits a new key gets. A key created by another key never out-runs or outlives its parent
 * (issue 10, item 4): scopes must be a subset (design.md §12), and a rate limit or expiry asked
 * beyond the parent's is refused, never silently clamped; left out, they are the parent's own.
 * Beyond that, a child shares its parent's budget (issue 26 item 9): every request of a key also
 * counts in the rate-limit window of each key above it (services/hot-path.ts), so the parent's
 * limit bounds the parent and everything minted under it together; hence also the depth bound.
 * Raises 403 `scope_escalation`, `rate_limit_exceeds_parent`, `expiry_exceeds_parent`,
 * `key_lineage_too_deep` (the creating key already has MAX_KEY_ANCESTORS keys above it),
 * `rate_limit_override_forbidden` (above the default, non-admins) and 400 `invalid_expiry` (past).
 */
export function boundedKeyLimits(
  principal: Principal,
  input: { scopes: ApiKeyScope[]; expiresAt?: Date; rateLimitPerMinute?: number; defaultRateLimit: number },
  now = Date.now(),
): { expiresAt: Date | null; rateLimitPerMinute: number | null } {
  if (input.rateLimitPerMinute !== undefined && input.rateLimitPerMinute > input.defaultRateLimit && !isPlatformAdmin(principal)) {
    throw new ApiError(403, "rate_limit_override_forbidden", `Only platform admins can raise a key's limit above ${input.defaultRateLimit} per minute.`);
  }
  if (input.expiresAt && input.expiresAt.getTime() <= now) {
    throw new ApiError(400, "invalid_expiry", "expires_at must be in the future.");
  }
  if (principal.kind !== "api_key") return { expiresAt: input.expiresAt ?? null, rateLimitPerMinute: input.rateLimitPerMinute ?? null };

  const parent = principal.key;
  if (parent.ancestors.length >= MAX_KEY_ANCESTORS) {
    throw new ApiError(
      403,
      "key_lineage_too_deep",
      `This key was minted ${MAX_KEY_ANCESTORS} levels below a user's key and cannot mint keys itself; create the key from a key higher up.`,
    );
  }
  const extra = input.scopes.filter((s) => !parent.scopes.includes(s));
  if (extra.length) {
    throw new ApiError(403, "scope_escalation", `An API key can only create keys with its own scopes; it lacks: ${extra.join(", ")}.`);
  }
  const parentLimit = parent.rateLimitPerMinute ?? input.defaultRateLimit;
  if (input.rateLimitPerMinute !== undefined && input.rateLimitPerMinute > parentLimit) {
    throw new ApiError(
      403,
      "rate_limit_exceeds_parent",
      `A key created by this key may allow at most ${parentLimit} requests per minute, the creating key's own limit.`,
    );
  }
  if (input.expiresAt && parent.expiresAt && input.expiresAt.getTime() > parent.expiresAt.getTime()) {
    throw new ApiError(
      403,
      "expiry_exceeds_parent",
      `A key created by this key must expire no later than the creating key (${parent.expiresAt.toISOString()}).`,
    );
  }
  return {
    expiresAt: input.expiresAt ?? parent.expiresAt,
    rateLimitPerMinute: input.rateLimitPerMinute ?? parent.rateLimitPerMinute,
  };
}

/**
 * Creates a key for the workspace and returns it with its secret (shown once). Limits follow
 * `boundedKeyLimits`; the creator recorded is the user behind the request, also when a key creates
 * a key (design.md §12), which is what ties the key's life to that user's membership. The live-key
 * cap is checked in the inserting transaction, after locking the workspace row, so two creations
 * racing at the cap cannot both pass. Raises `boundedKeyLimits`' errors, 409 `key_limit_reached`
 * (MAX_LIVE_API_KEYS_PER_WORKSPACE live keys already) and 404 `workspace_not_found` (deleted meanwhile).
 */
export async function createApiKey(
  db: Database,
  input: {
    workspaceId: string;
    principal: Principal;
    name: string;
    scopes: ApiKeyScope[];
    expiresAt?: Date;
    rateLimitPerMinute?: number;
    defaultRateLimit: number;
  },
): Promise<{ key: PublicApiKey; secret: string }> {
  const { principal } = input;
  const limits = boundedKeyLimits(principal, input);
  const secret = generateApiKey();
  const keyHash = await hashApiKey(secret);
  const row = await db.transaction(async (tx) => {
    const live = await lockAndCountLiveApiKeys(tx, input.workspaceId);
    if (live === null) throw new ApiError(404, "workspace_not_found", "No such workspace, or you are not allowed to act in it.");
    if (live >= MAX_LIVE_API_KEYS_PER_WORKSPACE) {
      throw new ApiError(
        409,
        "key_limit_reached",
        `This workspace already has ${MAX_LIVE_API_KEYS_PER_WORKSPACE} live API keys, the most it may hold; revoke one first.`,
        { limit: MAX_LIVE_API_KEYS_PER_WORKSPACE },
      );
    }
    return insertApiKey(tx, {
      workspaceId: input.workspaceId,
      name: input.name,
      prefix: displayPrefix(secret),
      keyHash,
      scopes: [...new Set(input.scopes)],
      rateLimitPerMinute: limits.rateLimitPerMinute,
      expiresAt: limits.expiresAt,
      // A key created by a key is attributed to the user behind the creating key (design.md §12).
      createdByUserId: principal.kind === "user" ? principal.user.id : principal.key.createdByUserId,
      createdByApiKeyId: principal.kind === "api_key" ? principal.key.id : null,
    });
  });
  return { key: toPublicApiKey(row), secret };
}

export async function listWorkspaceApiKeys(db: Queryable, workspaceId: string): Promise<PublicApiKey[]> {
  return (await listApiKeys(db, workspaceId)).map(toPublicApiKey);
}

/**
 * Revokes a key and deletes its principal-cache entry in the same request, so the very next
 * request with it is refused, warm cache or not (issue 11 item 1). Raises 404 `api_key_not_found`.
 */
export async function revokeWorkspaceApiKey(db: Queryable, cache: Cache, workspaceId: string, id: string): Promise<void> {
  const revoked = await revokeApiKey(db, workspaceId, id);
  if (!revoked) throw new ApiError(404, "api_key_not_found", "No such API key in this workspace.");
  await forgetApiKeys(cache, [revoked.keyHash]);
}
