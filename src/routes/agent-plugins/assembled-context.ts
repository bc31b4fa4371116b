import { PermissionsSchema } from "../workspace-plugins/schemas";
import { z } from "@hono/zod-openapi";
import type { TypedResponse } from "hono";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { assembleContextParts, contextWithinBudget, DEFAULT_CONTEXT_BUDGET, type ContextParts } from "../../services/plugins/assembled-context";
import { cachedAssembledContext, contextWorkspaceBytes, CONTEXT_TTL_SECONDS } from "../../services/plugins/context-cache";
import { isolateContextMemory } from "../../services/plugins/context-memory";
import { AgentParam, READ_ACCESS, TAG } from "./schemas";

const AssembledContextSchema = z
  .object({
    agent_id: z.uuid(),
    model: z.string(),
    temperature: z.number(),
    system_prompt: z.string().openapi({
      description:
        "Markdown sections joined by blank lines, and only these headings: `## Persona` (the persona prompt), one `## Plugin: <name> (<slug>) v<version>` per included plugin in priority order (its prose files under `### <path>`; a summary's heading ends in `(summary)`), then `## Tools` (one `- NAME (Display name): description` line per tool). Names are on one line, and in every other text (plugin files, descriptions, the persona prompt) a line that would read as a heading (`#` or a look-alike first, or a setext `===`/`---` underline) starts with a backslash, so no text can forge a section. `persona`, `plugins[]` and `tools` are the source of truth.",
    }),
    persona: z.object({ name: z.string().nullable(), slug: z.string().nullable(), source: z.string().nullable() }),
    plugins: z.array(
      z.object({
        plugin_id: z.uuid(),
        slug: z.string(),
        version: z.string().openapi({ description: "The workspace's pinned version." }),
        priority: z.number().int(),
        permissions: PermissionsSchema.openapi({ description: "The permissions this workspace accepted for the plugin (design.md §42): what the agent may let it use." }),
        included: z.enum(["full", "summary", "omitted"]),
        tokens: z.number().int().openapi({ description: "Tokens this plugin adds (0 when omitted)." }),
      }),
    ),
    tools: z.array(z.object({ id: z.uuid(), name: z.string(), display_name: z.string(), description: z.string(), category: z.string().nullable() })),
    token_count: z.number().int().openapi({ description: "Estimated tokens of system_prompt as emitted (persona, plugin and tools sections, headings and escapes included); never above budget." }),
    budget: z.number().int(),
  })
  .openapi("AssembledContext");

export const assembledContextRoute = defineRoute({
  method: "get",
  path: "/api/agents/{agent_id}/assembled-context",
  operationId: "getAssembledContext",
  tags: [TAG],
  summary: "The agent's assembled context within a token budget",
  description: `Persona prompt, then each assigned plugin that is active and enabled for the workspace, pinned to an approved version whose status is active, deprecated or yanked (its pinned version, read from R2 through the 3600 s Redis cache) in priority order, then tool definitions from the agent's tool assignments and the tool catalog. \`budget\` (tokens, 1–2,000,000) defaults to the model's context window in the LLM catalog, else ${DEFAULT_CONTEXT_BUDGET}; a plugin that does not fit falls back to its summary, then is omitted, as \`plugins[].included\` says. The agent's assembly is cached in Redis for up to ${CONTEXT_TTL_SECONDS} s as one entry whatever budgets are asked for (each budget is rendered from it), within a per-workspace byte budget (CONTEXT_CACHE_WORKSPACE_BYTES, default 4 MiB; the oldest entries are dropped first), with each budget's answer kept in the isolate's memory (CONTEXT_MEMORY_BYTES, default 16 MiB), and served only while no input changed: every read checks generations kept in PostgreSQL, so a plugin disabled, deactivated, quarantined or revoked is gone from the very next read whatever the cache did (src/services/plugins/context-cache.ts); \`X-Cache: hit|miss\` says which, and on a hit \`X-Cache-Tier: memory|redis\` says from where. Tokens are an estimate that over-counts cl100k (src/domain/tokens.ts). 400 \`agent_model_missing\`, \`budget_too_small\`; 404 \`agent_not_found\` (marketplace or other workspace's agents).`,
  access: { ...READ_ACCESS, cachedContextRead: true },
  request: {
    params: AgentParam,
    query: z.object({ budget: z.coerce.number().int().min(1).max(2_000_000).optional().openapi({ description: "Token budget" }) }),
  },
  responses: {
    200: { description: "The assembled context", content: { "application/json": { schema: AssembledContextSchema } } },
    ...problemResponses(400, 503, ...AUTH_PROBLEMS),
  },
});

export function registerAssembledContext(router: Router) {
  return router.openapi(assembledContextRoute, async (c) => {
    const deps = { db: c.var.db.http, cache: c.var.cache, bucket: c.var.storage.bucket };
    const workspaceId = requireWorkspace(c.var.workspace).id;
    const agentId = c.req.valid("param").agent_id;
    const budget = c.req.valid("query").budget;
    // The cache keeps one entry per agent, the budget-free parts, and renders each budget from it
    // (issue 26 item 4): distinct budgets cannot multiply the agent's entries in Redis.
    const { body, source } = await cachedAssembledContext(
      { cache: c.var.cache, db: deps.db, workspaceBytes: contextWorkspaceBytes(c.env.CONTEXT_CACHE_WORKSPACE_BYTES) },
      isolateContextMemory(c.env.CONTEXT_MEMORY_BYTES),
      workspaceId,
      agentId,
      budget,
      () => assembleContextParts(deps, workspaceId, agentId),
      (work) => c.executionCtx.waitUntil(work),
      c.var.contextPrefetch,
      (parts, requested) => contextWithinBudget(parts as ContextParts, requested),
    );
    c.header("X-Cache", source === "computed" ? "miss" : "hit");
    if (source !== "computed") c.header("X-Cache-Tier", source);
    // The body is the schema's shape, serialised by the service (or read back from Redis).
    return c.body(body, 200, { "Content-Type": "application/json; charset=UTF-8" }) as unknown as TypedResponse<z.infer<typeof AssembledContextSchema>, 200, "json">;
  });
}
