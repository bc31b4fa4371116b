import { z } from "@hono/zod-openapi";
import type { ItemType } from "./item-types";

/**
 * The `details` an item of each type may hold: the known keys with their types and bounds. A
 * workspace item's details are checked against these on create and on update (PATCH), so a wrong
 * type is a 400 `validation_failed` naming the field (`json.details.model_config.temperature`) and
 * is never stored.
 *
 * Keys come from the original's columns (shared/reference/original-behaviour.md §1: `agents.model_config`
 * keys `model_id, temperature, provider, max_tokens`; `agent_type` varchar(100); `custom_persona_prompt`;
 * recipes' `steps, inputs, outputs, required_tools, template_definition`; skills' `skill_type`
 * varchar(100), `prompt_template`, `parameters`, `tools_schema`; LLM entries' `provider, model_id,
 * context_window, max_output_tokens, input/output_cost_per_1k_tokens, capabilities, tier`), from the
 * published-configuration allow-list (src/domain/published-config.ts) and from how the code reads
 * them (assembled context: `persona_prompt`, `model_config.model_id`, `model_config.temperature`).
 *
 * Keys not listed here are kept as given: the seeds name no closed set, and the allow-list decides
 * what is published (anything unlisted stays private to the workspace). The one exception is a
 * model setting at the top level of an agent's details (`model_id`, `temperature`, …): nothing
 * reads it there, so it is refused with a pointer to `model_config` instead of failing later with
 * `agent_model_missing`.
 */

/** All of an item's details as JSON (the column's bound; unchanged from before these rules). */
export const DETAILS_MAX_JSON_LENGTH = 32 * 1024;
/** A prompt (persona prompt, skill body): the whole details budget less room for the other keys. */
export const PROMPT_MAX_LENGTH = 30_000;
/** A short name such as `agent_type` or `skill_type` (the original's varchar(100) columns). */
export const SHORT_TEXT_MAX_LENGTH = 100;
/** Tool names, steps and other lists. */
export const LIST_MAX = 50;
export const STEPS_MAX = 100;

/**
 * Sampling temperature 0–2: the widest range of the providers an agent's model comes from (OpenAI
 * Chat Completions `temperature`: "between 0 and 2"; Anthropic Messages: 0–1, a subset). The
 * original's default is 0.7 (reference §6.7 step 1).
 */
export const TEMPERATURE_MAX = 2;

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** Stored as given (no trimming): a configuration is the caller's, only checked. */
const nonBlank = (max: number) => z.string().max(max).refine((s) => s.trim().length > 0, "must not be blank");
const shortText = nonBlank(SHORT_TEXT_MAX_LENGTH);
const identifier = nonBlank(200);
const prompt = z.string().max(PROMPT_MAX_LENGTH);
const text = z.string().max(5000);
const names = z.array(nonBlank(100)).max(LIST_MAX);
/** A free-form JSON object (its keys are the caller's). */
const freeMap = z.record(z.string(), z.unknown());
const positiveInt = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const ModelConfigSchema = z
  .looseObject({
    model_id: identifier.optional().openapi({ description: "The model the agent runs on (an LLM entry's `model_id`); assembled context requires it." }),
    provider: identifier.optional(),
    temperature: z
      .number()
      .min(0)
      .max(TEMPERATURE_MAX)
      .optional()
      .openapi({ description: `Sampling temperature, 0–${TEMPERATURE_MAX} (default 0.7).` }),
    max_tokens: positiveInt.optional().openapi({ description: "Most tokens to generate: a positive integer." }),
    top_p: z.number().min(0).max(1).optional().openapi({ description: "Nucleus sampling, 0–1." }),
  })
  .openapi({ description: "The agent's model settings." });

/** Model settings that belong in `model_config`; at an agent's top level nothing reads them. */
const MODEL_KEYS = ["model_id", "provider", "temperature", "max_tokens", "top_p"] as const;

const AgentShape = {
  agent_type: shortText.optional(),
  persona_prompt: prompt.optional().openapi({ description: `The agent's own persona prompt (wins over a linked persona), at most ${PROMPT_MAX_LENGTH} characters.` }),
  model_config: ModelConfigSchema.optional(),
  tool_names: names.optional(),
  parameters: freeMap.optional(),
  configuration: freeMap.optional().openapi({ description: "Private settings: never published." }),
};

const AgentDetails = z.looseObject(AgentShape).superRefine(
  (details, ctx) => {
    for (const key of MODEL_KEYS) {
      if (Object.hasOwn(details, key)) ctx.addIssue({ code: "custom", path: [key], message: `belongs in model_config: send it as details.model_config.${key}` });
    }
  },
  // Also when another key is wrong, so one response names every problem; only on an object.
  { when: (payload) => isPlainObject(payload.value) },
);

const RecipeStep = z.looseObject({
  order: z.number().int().nonnegative().optional(),
  title: text.optional(),
  description: text.optional(),
  agent_name: text.optional(),
  agent_id: text.optional(),
  tool: text.optional(),
  tool_name: text.optional(),
  action: text.optional(),
  prompt: prompt.optional(),
  instructions: prompt.optional(),
  inputs: freeMap.optional(),
  outputs: freeMap.optional(),
});

const RecipeDetails = z.looseObject({
  steps: z.array(RecipeStep).max(STEPS_MAX).optional(),
  inputs: freeMap.optional(),
  outputs: freeMap.optional(),
  required_tools: names.optional(),
  template_definition: z.unknown().optional(),
});

const SkillDetails = z.looseObject({
  skill_type: shortText.optional(),
  prompt_template: prompt.optional().openapi({ description: `The skill's body, at most ${PROMPT_MAX_LENGTH} characters.` }),
  parameters: freeMap.optional(),
  tools_schema: z.unknown().optional(),
});

/** Curated types (design.md §4): written by the seed and admins, not by workspace routes. */
const LlmDetails = z.looseObject({
  provider: identifier.optional(),
  model_id: identifier.optional(),
  context_window: positiveInt.optional(),
  max_output_tokens: positiveInt.optional(),
  input_cost_per_1k_tokens: z.number().nonnegative().optional(),
  output_cost_per_1k_tokens: z.number().nonnegative().optional(),
  capabilities: names.optional(),
  tier: z.enum(["direct", "aggregator", "byok_only"]).optional(),
});

const ToolDetails = z.looseObject({
  app_name: identifier.optional(),
  auth_schemes: names.optional(),
});

const DESCRIPTIONS: Record<ItemType, string> = {
  agent:
    "Agent configuration: agent_type, persona_prompt, model_config {model_id, provider, temperature 0–2, max_tokens, top_p 0–1}, tool_names, parameters, configuration (private). Model settings go in model_config: at the top level they are refused.",
  recipe: "Recipe configuration: steps [{order, title, description, agent_name, agent_id, tool, action, prompt, instructions, inputs, outputs}], inputs, outputs, required_tools, template_definition.",
  skill: "Skill configuration: skill_type, prompt_template, parameters, tools_schema.",
  llm: "LLM entry: provider, model_id, context_window, max_output_tokens, input_cost_per_1k_tokens, output_cost_per_1k_tokens, capabilities, tier.",
  tool: "Tool entry: app_name, auth_schemes.",
};

const BASE: Record<ItemType, z.ZodType<Record<string, unknown>>> = {
  agent: AgentDetails,
  recipe: RecipeDetails,
  skill: SkillDetails,
  llm: LlmDetails,
  tool: ToolDetails,
};

/**
 * The `details` of an item of `type`: the known keys typed and bounded, other keys kept as given,
 * at most 32 KiB of JSON. Only the published allow-list decides what leaves the workspace.
 */
export function detailsSchema(type: ItemType) {
  return BASE[type]
    .refine((d) => JSON.stringify(d).length <= DETAILS_MAX_JSON_LENGTH, { message: "details must be at most 32 KiB of JSON" })
    .openapi({ description: `${DESCRIPTIONS[type]} Other keys are kept as given; only keys on the type's published allow-list are ever published.` });
}
