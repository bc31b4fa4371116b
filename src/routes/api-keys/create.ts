import { z } from "@hono/zod-openapi";
import { API_KEY_SCOPES, KEY_MANAGER_ROLE } from "../../lib/access";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { createApiKey, MAX_LIVE_API_KEYS_PER_WORKSPACE } from "../../services/api-keys";
import { MAX_KEY_ANCESTORS } from "../../services/auth/principal";
import { requireWorkspace } from "../../services/auth/principal";
import { defaultRateLimit } from "../../services/rate-limit";
import { ApiKeySchema } from "./schemas";

const CreateApiKeyBody = z.object({
  name: z.string().trim().min(1).max(200),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1),
  expires_at: z.iso.datetime({ offset: true }).optional(),
  rate_limit_per_minute: z.number().int().min(1).max(1_000_000).optional(),
});

export const createApiKeyRoute = defineRoute({
  method: "post",
  path: "/api/api-keys",
  operationId: "createApiKey",
  tags: ["API keys"],
  summary: "Create a workspace API key (the secret is shown once)",
  description:
    "A key created with an API key is bounded by that key: its scopes must be a subset (403 `scope_escalation`), " +
    "its `rate_limit_per_minute` at most the creating key's (403 `rate_limit_exceeds_parent`) and its `expires_at` " +
    "no later (403 `expiry_exceeds_parent`); left out, both are the creating key's own. Only platform admins may " +
    "set a limit above the deployment default (403 `rate_limit_override_forbidden`). A key's rate limit bounds " +
    "everything minted under it: every request of a key also counts against the limit of each key above it (the " +
    "key that created it, that key's creator, …), so a parent and its children share the parent's budget, and a " +
    "child can be refused with 429 while its own window has room. A key with " +
    `${MAX_KEY_ANCESTORS} keys above it cannot create keys (403 \`key_lineage_too_deep\`). A workspace holds at most ` +
    `${MAX_LIVE_API_KEYS_PER_WORKSPACE} live keys (neither revoked nor expired); past that, 409 \`key_limit_reached\` ` +
    "until one is revoked or expires. The key stops acting when its creator leaves the workspace or falls below the admin role.",
  access: { access: "authenticated", scope: "keys:manage", workspaceScoped: true, role: KEY_MANAGER_ROLE },
  request: { body: { required: true, content: { "application/json": { schema: CreateApiKeyBody } } } },
  responses: {
    201: {
      description: "Created. `key` is the secret: store it now, it cannot be shown again.",
      content: { "application/json": { schema: ApiKeySchema.extend({ key: z.string() }).openapi("NewApiKey") } },
    },
    ...problemResponses(400, ...AUTH_PROBLEMS, 409),
  },
});

export function registerCreateApiKey(router: Router) {
  return router.openapi(createApiKeyRoute, async (c) => {
    const body = c.req.valid("json");
    const { key, secret } = await createApiKey(c.var.db.pool, {
      workspaceId: requireWorkspace(c.var.workspace).id,
      principal: c.var.principal,
      name: body.name,
      scopes: body.scopes,
      expiresAt: body.expires_at ? new Date(body.expires_at) : undefined,
      rateLimitPerMinute: body.rate_limit_per_minute,
      defaultRateLimit: defaultRateLimit(c.env.RATE_LIMIT_PER_MINUTE),
    });
    c.header("Cache-Control", "no-store");
    return c.json({ ...key, key: secret }, 201);
  });
}
