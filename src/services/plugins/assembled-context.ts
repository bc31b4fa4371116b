import { canonicalPermissions, type Permissions } from "../../domain/permissions";
import type { Cache } from "../../clients/cache";
import type { Queryable } from "../../db/client";
import { assemblablePlugins, contextWindowOf, toolDefinitionsOf, workspaceAgentWithPersona } from "../../db/queries/plugin-usage";
import type { PluginRow, PluginVersionRow } from "../../db/queries/plugins";
import { planBudget, type PluginCost } from "../../domain/context-budget";
import { escapePromptBlock, promptLine } from "../../domain/prompt-text";
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

/*
 * The layout of `system_prompt` (issue 26 item 1). Its sections are the Markdown headings written
 * here, and only these: `## Persona` (when there is a persona prompt), one `## Plugin: <name>
 * (<slug>) v<version>` per included plugin (its files under `### <path>` headings, content.ts
 * `contextText`; a summary's heading ends in "(summary)"), then `## Tools` (when the agent has
 * tools). Every other piece of text, the persona's included, is someone else's: names go on one
 * line (`promptLine`) and multi-line text has each structural line (a heading, a fence, an HTML
 * start, either inside a list or quote) escaped (`escapePromptBlock`, src/domain/prompt-text.ts),
 * so no plugin, persona or tool text can open, hide,
 * close or imitate a section. The structured `persona`, `plugins[]` and `tools` stay the source
 * of truth; the prompt is their rendering.
 */

/** A plugin section's heading: the name on one line; the slug and version are closed formats. */
const pluginHeading = (plugin: PluginRow, version: PluginVersionRow) => `## Plugin: ${promptLine(plugin.name)} (${plugin.slug}) v${version.version}`;

/** Tier-1 summary of a plugin (reference §6.7 step 4), from database fields only. */
function summaryOf(plugin: PluginRow, version: PluginVersionRow): string {
  const lines = [`${pluginHeading(plugin, version)} (summary)`];
  if (plugin.description) lines.push(escapePromptBlock(plugin.description));
  if (plugin.tags.length) lines.push(`Tags: ${plugin.tags.map(promptLine).join(", ")}`);
  lines.push(`Skills: ${version.skillsCount} | Commands: ${version.commandsCount}`);
  return lines.join("\n");
}

/** The persona section ("" without a persona prompt): the prompt under its heading, escaped like plugin text. */
function personaSection(prompt: string): string {
  return prompt ? `## Persona\n${escapePromptBlock(prompt)}` : "";
}

/** The tools section ("" without tools): one line per tool, `- NAME (Display name): description`. */
function toolsSection(tools: ContextParts["tools"]): string {
  if (!tools.length) return "";
  const lines = tools.map((t) => {
    const description = promptLine(t.description);
    return `- ${promptLine(t.name)} (${promptLine(t.display_name)})${description ? `: ${description}` : ""}`;
  });
  return `## Tools\n${lines.join("\n")}`;
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
 * Tokens are estimated by src/domain/tokens.ts over the text as emitted (headings and escapes
 * included); `token_count` sums the sections and separators, so it is never below
 * estimateTokens(system_prompt). The layout, and why no plugin text can forge it, is above `pluginHeading`.
 * @throws 404 `agent_not_found`; 400 `agent_model_missing` when the agent has no
 *   `model_config.model_id`; 400 `budget_too_small` when the persona and tools alone exceed it.
 */
export async function assembleContext(deps: ContextDeps, workspaceId: string, agentId: string, requestedBudget?: number) {
  return contextWithinBudget(await assembleContextParts(deps, workspaceId, agentId), requestedBudget);
}

/**
 * Everything of an assembled context but the budget's choices (issue 26 item 4): what the cache
 * stores, one entry per agent whatever budgets are asked for (context-cache.ts), so that
 * `contextWithinBudget` answers any budget from it with no I/O. Plain JSON: it round-trips through
 * Redis unchanged. Token counts are estimates (src/domain/tokens.ts) made when it was assembled.
 */
export interface ContextParts {
  agent_id: string;
  model: string;
  temperature: number;
  persona: { name: string | null; slug: string | null; source: string | null };
  /** The persona section (heading and escaped prompt), always first in `system_prompt` ("" when there is no persona prompt). */
  persona_section: string;
  tools: Array<{ id: string; name: string; display_name: string; description: string; category: string | null }>;
  /** The tools section, always last in `system_prompt` ("" when the agent has no tools). */
  tools_section: string;
  /** Tokens of the persona and tools sections and the join between them, which every budget must hold. */
  fixed_tokens: number;
  /** Tokens each join between two prompt parts costs. */
  separator_tokens: number;
  /** The budget when none is asked for: the model's context window in the LLM catalog, else DEFAULT_CONTEXT_BUDGET. */
  default_budget: number;
  /** In priority order: each plugin's full section (header and text) and its summary, with their token costs. */
  plugins: Array<{ plugin_id: string; slug: string; version: string; priority: number; permissions: Permissions; full: string; summary: string; cost: PluginCost }>;
}

/** The agent's context parts (see `assembleContext` for what goes in, and its errors but `budget_too_small`). */
export async function assembleContextParts(deps: ContextDeps, workspaceId: string, agentId: string): Promise<ContextParts> {
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
  const defaultBudget = (await contextWindowOf(deps.db, model)) ?? DEFAULT_CONTEXT_BUDGET;
  const temperature = persona.temperature ?? numberOr(modelConfig.temperature, DEFAULT_TEMPERATURE);

  const tools = toolRows.map(({ tool }) => ({
    id: tool.id,
    name: tool.appName,
    display_name: tool.displayName,
    description: tool.description ?? "",
    category: tool.categories[0] ?? null,
  }));
  // What is emitted is what is counted: the two sections as written, and their join when both are there.
  const personaPart = personaSection(persona.prompt);
  const toolsPart = toolsSection(tools);
  const fixedTokens = estimateTokens(personaPart) + estimateTokens(toolsPart) + (personaPart && toolsPart ? SEPARATOR_TOKENS : 0);

  const contents = await readPluginContents(
    deps,
    assigned.map(({ plugin, version }) => ({ pluginId: plugin.id, version: version.version, storagePrefix: version.storagePrefix, bundleSha256: version.bundleSha256 })),
  );
  const sections = assigned.map(({ plugin, version }, i) => {
    const header = pluginHeading(plugin, version);
    const summary = summaryOf(plugin, version);
    // `context_tokens` counts contextText as emitted (escaped), content.ts; a join never costs more than its parts.
    return {
      header,
      content: contents[i]!,
      summary,
      cost: { full: estimateTokens(header) + SEPARATOR_TOKENS + contents[i]!.context_tokens, summary: estimateTokens(summary) },
    };
  });

  return {
    agent_id: agentId,
    model,
    temperature,
    persona: persona.persona,
    persona_section: personaPart,
    tools,
    tools_section: toolsPart,
    fixed_tokens: fixedTokens,
    separator_tokens: SEPARATOR_TOKENS,
    default_budget: defaultBudget,
    plugins: assigned.map(({ plugin, version, priority, acceptedPermissions }, i) => ({
      plugin_id: plugin.id,
      slug: plugin.slug,
      version: version.version,
      priority,
      permissions: canonicalPermissions(acceptedPermissions),
      full: [sections[i]!.header, contextText(sections[i]!.content.files)].filter(Boolean).join(CONTEXT_SEPARATOR),
      summary: sections[i]!.summary,
      cost: sections[i]!.cost,
    })),
  };
}

/**
 * The response for `requestedBudget` tokens (default: the parts' `default_budget`): each plugin in
 * full if it fits what is left, else its summary, else omitted (domain/context-budget.ts). Pure and
 * cheap (a plan over the plugins' counts and one string join), so every budget is served from the
 * one cached entry of the agent.
 * @throws 400 `budget_too_small` when the persona and tools sections alone exceed it.
 */
export function contextWithinBudget(parts: ContextParts, requestedBudget?: number) {
  const budget = requestedBudget ?? parts.default_budget;
  const plan = planBudget(budget, parts.fixed_tokens, parts.separator_tokens, parts.plugins.map((p) => p.cost));
  if (!plan) {
    throw new ApiError(400, "budget_too_small", `The persona and tools sections alone need ${parts.fixed_tokens} tokens; the budget is ${budget}.`);
  }
  const prompt = [parts.persona_section];
  parts.plugins.forEach((plugin, i) => {
    const choice = plan.choices[i]!;
    if (choice.included === "full") prompt.push(plugin.full);
    if (choice.included === "summary") prompt.push(plugin.summary);
  });
  prompt.push(parts.tools_section);

  return {
    agent_id: parts.agent_id,
    model: parts.model,
    temperature: parts.temperature,
    system_prompt: prompt.filter(Boolean).join(CONTEXT_SEPARATOR),
    persona: parts.persona,
    plugins: parts.plugins.map((plugin, i) => ({
      plugin_id: plugin.plugin_id,
      slug: plugin.slug,
      version: plugin.version,
      priority: plugin.priority,
      permissions: plugin.permissions,
      included: plan.choices[i]!.included,
      tokens: plan.choices[i]!.tokens,
    })),
    tools: parts.tools,
    token_count: plan.total,
    budget,
  };
}
