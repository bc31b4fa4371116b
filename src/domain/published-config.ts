import type { ItemType } from "../db/schema";

/**
 * Which configuration keys of each type are published (design.md §7). Everything else —
 * credentials, connection ids, webhooks, secrets — stays in the workspace. Nested objects list
 * their own allowed keys.
 */
interface AllowList {
  [key: string]: true | AllowList;
}

const MODEL_CONFIG: AllowList = { model_id: true, provider: true, temperature: true, max_tokens: true, top_p: true };

export const PUBLISHED_KEYS: Record<ItemType, AllowList> = {
  agent: { agent_type: true, persona_prompt: true, model_config: MODEL_CONFIG, tool_names: true, parameters: true },
  recipe: { steps: true, inputs: true, outputs: true, required_tools: true, template_definition: true },
  skill: { skill_type: true, prompt_template: true, parameters: true, tools_schema: true },
  llm: {
    provider: true,
    model_id: true,
    context_window: true,
    max_output_tokens: true,
    input_cost_per_1k_tokens: true,
    output_cost_per_1k_tokens: true,
    capabilities: true,
    tier: true,
  },
  tool: { app_name: true, auth_schemes: true },
};

export interface Published {
  config: Record<string, unknown>;
  /** Dotted paths of the keys that were dropped. */
  dropped: string[];
}

function pick(value: Record<string, unknown>, allow: AllowList, prefix: string, dropped: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const rule = allow[key];
    if (!rule) {
      dropped.push(`${prefix}${key}`);
    } else if (rule === true) {
      out[key] = inner;
    } else if (inner && typeof inner === "object" && !Array.isArray(inner)) {
      out[key] = pick(inner as Record<string, unknown>, rule, `${prefix}${key}.`, dropped);
    } else {
      dropped.push(`${prefix}${key}`);
    }
  }
  return out;
}

export function publishedConfig(type: ItemType, details: Record<string, unknown>): Published {
  const dropped: string[] = [];
  const config = pick(details, PUBLISHED_KEYS[type], "", dropped);
  return { config, dropped };
}
