import type { Queryable } from "../db/client";
import { insertApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from "../db/queries/identity";
import type { ApiKeyScope } from "../lib/access";
import { ApiError } from "../lib/errors";
import { displayPrefix, generateApiKey, hashApiKey } from "./auth/api-key-format";
import { isPlatformAdmin, type Principal } from "./auth/principal";

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

export async function createApiKey(
  db: Queryable,
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
  if (principal.kind === "api_key") {
    const extra = input.scopes.filter((s) => !principal.key.scopes.includes(s));
    if (extra.length) {
      throw new ApiError(403, "scope_escalation", `An API key can only create keys with its own scopes; it lacks: ${extra.join(", ")}.`);
    }
  }
  if (input.rateLimitPerMinute !== undefined && input.rateLimitPerMinute > input.defaultRateLimit && !isPlatformAdmin(principal)) {
    throw new ApiError(403, "rate_limit_override_forbidden", `Only platform admins can raise a key's limit above ${input.defaultRateLimit} per minute.`);
  }
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new ApiError(400, "invalid_expiry", "expires_at must be in the future.");
  }
  const secret = generateApiKey();
  const row = await insertApiKey(db, {
    workspaceId: input.workspaceId,
    name: input.name,
    prefix: displayPrefix(secret),
    keyHash: await hashApiKey(secret),
    scopes: [...new Set(input.scopes)],
    rateLimitPerMinute: input.rateLimitPerMinute ?? null,
    expiresAt: input.expiresAt ?? null,
    // A key created by a key is attributed to the user behind the creating key (design.md §12).
    createdByUserId: principal.kind === "user" ? principal.user.id : principal.key.createdByUserId,
    createdByApiKeyId: principal.kind === "api_key" ? principal.key.id : null,
  });
  return { key: toPublicApiKey(row), secret };
}

export async function listWorkspaceApiKeys(db: Queryable, workspaceId: string): Promise<PublicApiKey[]> {
  return (await listApiKeys(db, workspaceId)).map(toPublicApiKey);
}

export async function revokeWorkspaceApiKey(db: Queryable, workspaceId: string, id: string): Promise<void> {
  if (!(await revokeApiKey(db, workspaceId, id))) throw new ApiError(404, "api_key_not_found", "No such API key in this workspace.");
}
