import { z } from "zod";
import type { ItemType } from "./item-types";
import { isSecretKeyName, isSecretValue } from "./credentials";

/**
 * What each item type may publish of its configuration (design.md §7, issue 10 item 1): deny by
 * default at every depth. A key the type's schema does not declare is dropped; a declared value
 * of the wrong type is dropped; inside the few free-form parts (an agent's `parameters`, a
 * recipe's `inputs`, …) every key whose name says credential and every nested value that looks
 * like one (src/domain/credentials.ts) is dropped; and a string that looks like a credential is
 * dropped wherever it sits. Whatever is dropped is named by its path, e.g.
 * `steps[0].headers.Authorization`, so the publisher sees what was kept and what was not.
 */

/** Free-form JSON: kept, but its keys and values are screened for credentials. */
const FREE = z.json();
const text = z.string();
const count = z.number().int().nonnegative();
const names = z.array(z.string());
const freeMap = z.record(z.string(), FREE);

const MODEL_CONFIG = z.object({
  model_id: text,
  provider: text,
  temperature: z.number(),
  max_tokens: count,
  top_p: z.number(),
});

const RECIPE_STEP = z.object({
  order: count,
  title: text,
  description: text,
  agent_name: text,
  agent_id: text,
  tool: text,
  tool_name: text,
  action: text,
  prompt: text,
  instructions: text,
  inputs: freeMap,
  outputs: freeMap,
});

export const PUBLISHED_SCHEMAS: Record<ItemType, z.ZodObject> = {
  agent: z.object({ agent_type: text, persona_prompt: text, model_config: MODEL_CONFIG, tool_names: names, parameters: freeMap }),
  recipe: z.object({ steps: z.array(RECIPE_STEP), inputs: freeMap, outputs: freeMap, required_tools: names, template_definition: FREE }),
  skill: z.object({ skill_type: text, prompt_template: text, parameters: freeMap, tools_schema: FREE }),
  llm: z.object({
    provider: text,
    model_id: text,
    context_window: count,
    max_output_tokens: count,
    input_cost_per_1k_tokens: z.number(),
    output_cost_per_1k_tokens: z.number(),
    capabilities: names,
    tier: text,
  }),
  tool: z.object({ app_name: text, auth_schemes: names }),
};

/** Nesting beyond this inside free-form JSON is dropped rather than walked. */
const MAX_DEPTH = 32;

export interface Published {
  config: Record<string, unknown>;
  /** Paths of everything left out, in dotted/bracket form (`steps[0].headers.Authorization`). */
  dropped: string[];
}

const DROP = Symbol("drop");
type Kept = unknown | typeof DROP;

function childPath(parent: string, key: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Walks free-form JSON, dropping credential-named keys and credential-looking values. */
function screen(value: unknown, path: string, depth: number, dropped: string[]): Kept {
  if (depth > MAX_DEPTH) return DROP;
  if (typeof value === "string") return isSecretValue(value) ? DROP : value;
  if (Array.isArray(value)) return value.flatMap((v, i) => keep(screen(v, `${path}[${i}]`, depth + 1, dropped), `${path}[${i}]`, v, dropped));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const at = childPath(path, key);
      const kept = isSecretKeyName(key) ? DROP : screen(inner, at, depth + 1, dropped);
      if (kept === DROP) dropAt(at, inner, dropped);
      else out[key] = kept;
    }
    return out;
  }
  return value === undefined ? DROP : value;
}

/**
 * Records a dropped value by the path of each leaf inside it (`steps[0].headers.Authorization`
 * rather than `steps[0].headers`), so the publisher sees exactly which values were left out.
 */
function dropAt(path: string, value: unknown, dropped: string[], depth = 0): void {
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((v, i) => [`${path}[${i}]`, v])
    : isPlainObject(value)
      ? Object.entries(value).map(([k, v]) => [childPath(path, k), v])
      : [];
  if (entries.length === 0 || depth >= MAX_DEPTH) {
    dropped.push(path);
    return;
  }
  for (const [at, inner] of entries) dropAt(at, inner, dropped, depth + 1);
}

/** [kept] or [] (recording the drop), for flatMap over array elements. */
function keep(kept: Kept, path: string, value: unknown, dropped: string[]): unknown[] {
  if (kept === DROP) {
    dropAt(path, value, dropped);
    return [];
  }
  return [kept];
}

/** Walks `value` against `schema`: declared keys only, declared types only, screened throughout. */
function filter(schema: z.ZodType, value: unknown, path: string, depth: number, dropped: string[]): Kept {
  if (schema === FREE) return screen(value, path, depth, dropped);
  if (schema instanceof z.ZodObject) {
    if (!isPlainObject(value)) return DROP;
    const shape = schema.shape as Record<string, z.ZodType>;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const at = childPath(path, key);
      const rule = Object.hasOwn(shape, key) ? shape[key] : undefined;
      const kept = rule ? filter(rule, inner, at, depth + 1, dropped) : DROP;
      if (kept === DROP) dropAt(at, inner, dropped);
      else out[key] = kept;
    }
    return out;
  }
  if (schema instanceof z.ZodRecord) {
    // Free-form maps: any key name but a credential's.
    if (!isPlainObject(value)) return DROP;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const at = childPath(path, key);
      const kept = isSecretKeyName(key) ? DROP : filter(schema.valueType as z.ZodType, inner, at, depth + 1, dropped);
      if (kept === DROP) dropAt(at, inner, dropped);
      else out[key] = kept;
    }
    return out;
  }
  if (schema instanceof z.ZodArray) {
    if (!Array.isArray(value)) return DROP;
    const element = schema.element as z.ZodType;
    return value.flatMap((v, i) => keep(filter(element, v, `${path}[${i}]`, depth + 1, dropped), `${path}[${i}]`, v, dropped));
  }
  if (!schema.safeParse(value).success) return DROP;
  return typeof value === "string" && isSecretValue(value) ? DROP : value;
}

/**
 * The part of a workspace item's `details` that its type may publish, and the paths of the rest.
 * Pure and idempotent: filtering a published configuration again drops nothing.
 */
export function publishedConfig(type: ItemType, details: Record<string, unknown>): Published {
  const dropped: string[] = [];
  const kept = filter(PUBLISHED_SCHEMAS[type], details ?? {}, "", 0, dropped);
  return { config: kept === DROP ? {} : (kept as Record<string, unknown>), dropped };
}
