import type { Cache } from "../../clients/cache";
import type { Queryable } from "../../db/client";
import { assemblablePlugins, contextWindowOf, toolDefinitionsOf, workspaceAgentWithPersona } from "../../db/queries/plugin-usage";
import type { PluginRow, PluginVersionRow } from "../../db/queries/plugins";
import { planBudget } from "../../domain/context-budget";
import { CONTEXT_SEPARATOR, estimateTokens, SEPARATOR_TOKENS } from "../../domain/tokens";
import { ApiError } from "../../lib/errors";
import { agentNotFound } from "./assignment";
import { contextText, readPluginContents } from "./content";

/** The budget when the LLM catalog lists no context window for the agent's model. */
export const DEFAULT_CONTEXT_BUDGET = 8192;
/** Reference §6.7: the original's default temperature. */
const DEFAULT_TEMPERATURE = 0.7;

export interface ContextDeps {
  db: Queryable;
  cache: Cache;
  bucket: R2Bucket;
}

const numberOr = (value: unknown, fallback: number) => (typeof value === "number" && Number.isFinite(value) ? value : fallback);

/** Tier-1 summary of a plugin (reference §6.7 step 4), from database fields only. */
function summaryOf(plugin: PluginRow, version: PluginVersionRow): string {
  const lines = [`### ${plugin.name} (\`${plugin.slug}\`) v${version.version}`];
  if (plugin.description) lines.push(plugin.description);
  if (plugin.tags.length) lines.push(`Tags: ${plugin.tags.join(", ")}`);
  lines.push(`Skills: ${version.skillsCount} | Commands: ${version.commandsCount}`);
  return lines.join("\n");
}

type PersonaRow = NonNullable<Awaited<ReturnType<typeof workspaceAgentWithPersona>>>["persona"];

/** The agent's own persona prompt wins over a linked persona (reference §6.7 step 2). */
function personaOf(details: Record<string, unknown>, row: PersonaRow) {
  const custom = details.persona_prompt;
  if (typeof custom === "string" && custom.trim()) {
    return { prompt: custom.trim(), persona: { name: "Custom Persona", slug: null, source: "custom" }, temperature: undefined };
  }
  if (!row) return { prompt: "", persona: { name: null, slug: null, source: null }, temperature: undefined };
  const suggested = Number(row.suggestedTemperature);
  return {
    prompt: row.systemPrompt.trim(),
    persona: { name: row.name, slug: row.slug, source: row.workspaceId ? "workspace" : "library" },
    temperature: row.suggestedTemperature && Number.isFinite(suggested) ? suggested : undefined,
  };
}

/**
 * Assembles an agent's context (issue 15 item 4; reference §6.7 without its flaws): the persona
 * prompt, then each assigned plugin that is active, enabled in the agent's workspace and pinned
 * to an approved version, in priority order (its pinned version's prose files, via the 3600 s
 * content cache), then the agent's tool definitions from the tool catalog. It stays within
 * `budget` tokens (default: the model's context window from the LLM catalog, else
 * DEFAULT_CONTEXT_BUDGET): a plugin that does not fit falls back to its summary, then is omitted.
 * Tokens are estimated by src/domain/tokens.ts; `token_count` sums the parts and separators.
 * @throws 404 `agent_not_found`; 400 `agent_model_missing` when the agent has no
 *   `model_config.model_id`; 400 `budget_too_small` when the persona and tools alone exceed it.
 */
export async function assembleContext(deps: ContextDeps, workspaceId: string, agentId: string, requestedBudget?: number) {
  // One round trip: the plugin and tool queries are scoped by agent and workspace, and their rows
  // are thrown away when the agent turns out not to be this workspace's.
  const [found, assigned, toolRows] = await Promise.all([
    workspaceAgentWithPersona(deps.db, workspaceId, agentId),
    assemblablePlugins(deps.db, workspaceId, agentId),
    toolDefinitionsOf(deps.db, agentId),
  ]);
  if (!found) throw agentNotFound();
  const { agent } = found;
  const modelConfig = (agent.details.model_config ?? {}) as Record<string, unknown>;
  const model = typeof modelConfig.model_id === "string" && modelConfig.model_id.trim() ? modelConfig.model_id.trim() : null;
  if (!model) throw new ApiError(400, "agent_model_missing", "Agent has no model configured. Set model_config.model_id on the agent.");
  const persona = personaOf(agent.details, found.persona);
  const budget = requestedBudget ?? (await contextWindowOf(deps.db, model)) ?? DEFAULT_CONTEXT_BUDGET;
  const temperature = persona.temperature ?? numberOr(modelConfig.temperature, DEFAULT_TEMPERATURE);

  const tools = toolRows.map(({ tool }) => ({
    id: tool.id,
    name: tool.appName,
    display_name: tool.displayName,
    description: tool.description ?? "",
    category: tool.categories[0] ?? null,
  }));
  const toolTokens = tools.length ? estimateTokens(JSON.stringify(tools)) : 0;
  const personaTokens = estimateTokens(persona.prompt);

  const contents = await readPluginContents(
    deps,
    assigned.map(({ plugin, version }) => ({ pluginId: plugin.id, version: version.version, storagePrefix: version.storagePrefix, bundleSha256: version.bundleSha256 })),
  );
  const sections = assigned.map(({ plugin, version }, i) => {
    const header = `## Plugin: ${plugin.name} (${plugin.slug}) v${version.version}`;
    const summary = summaryOf(plugin, version);
    return {
      header,
      content: contents[i]!,
      summary,
      cost: { full: estimateTokens(header) + SEPARATOR_TOKENS + contents[i]!.context_tokens, summary: estimateTokens(summary) },
    };
  });

  const plan = planBudget(budget, personaTokens + toolTokens, SEPARATOR_TOKENS, sections.map((s) => s.cost));
  if (!plan) {
    throw new ApiError(400, "budget_too_small", `The persona prompt and tool definitions alone need ${personaTokens + toolTokens} tokens; the budget is ${budget}.`);
  }
  const parts = [persona.prompt];
  sections.forEach((section, i) => {
    const choice = plan.choices[i]!;
    if (choice.included === "full") parts.push(`${section.header}${CONTEXT_SEPARATOR}${contextText(section.content.files)}`);
    if (choice.included === "summary") parts.push(section.summary);
  });

  return {
    agent_id: agentId,
    model,
    temperature,
    system_prompt: parts.filter(Boolean).join(CONTEXT_SEPARATOR),
    persona: persona.persona,
    plugins: assigned.map(({ plugin, version, priority }, i) => ({
      plugin_id: plugin.id,
      slug: plugin.slug,
      version: version.version,
      priority,
      included: plan.choices[i]!.included,
      tokens: plan.choices[i]!.tokens,
    })),
    tools,
    token_count: plan.total,
    budget,
  };
}
