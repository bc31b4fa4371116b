import { describe, expect, it } from "vitest";
import type { ItemType } from "../../src/domain/item-types";
import { detailsSchema } from "../../src/domain/item-details";
import { publishedConfig } from "../../src/domain/published-config";
import { AGENTS, LLMS, RECIPES, SKILLS, TOOLS } from "../../scripts/seed/demo-catalog";

// The per-type details vocabulary (src/domain/item-details.ts) against the configuration the rest
// of the code writes: the demo seed's, and what the published allow-list keeps.
const valid = (type: ItemType, details: unknown) => detailsSchema(type).safeParse(details);

describe("item details schemas", () => {
  it("accept the demo catalog's configuration of every type, shaped as the seed writes it", () => {
    const samples: Array<[ItemType, Record<string, unknown>]> = [
      ...TOOLS.map((t): [ItemType, Record<string, unknown>] => ["tool", { app_name: t.appName, auth_schemes: t.authSchemes }]),
      ...LLMS.map((l): [ItemType, Record<string, unknown>] => [
        "llm",
        { provider: l.provider, model_id: l.modelId, context_window: l.contextWindow, input_cost_per_1k_tokens: l.inputCostPer1k, output_cost_per_1k_tokens: l.outputCostPer1k, capabilities: l.capabilities },
      ]),
      ...SKILLS.map((s): [ItemType, Record<string, unknown>] => ["skill", { skill_type: "prompt", prompt_template: `You are an expert at ${s.name}. ${s.description}` }]),
      ...AGENTS.map((a): [ItemType, Record<string, unknown>] => [
        "agent",
        { agent_type: "custom", persona_prompt: `You are ${a.name}.`, model_config: { model_id: a.model, temperature: 0.3, max_tokens: 4096 }, tool_names: a.tools },
      ]),
      ...RECIPES.map((r): [ItemType, Record<string, unknown>] => [
        "recipe",
        { steps: r.steps.map((title, order) => ({ order, title, agent_name: r.agents[0] })), required_tools: r.tools, inputs: {}, outputs: {} },
      ]),
    ];
    for (const [type, details] of samples) expect(valid(type, details).success, `${type} ${JSON.stringify(details)}`).toBe(true);
  });

  it("keep unknown keys and return the details unchanged (nothing trimmed or reordered away)", () => {
    const details = { model_config: { model_id: " gpt-4o ", api_key: "private" }, custom: { any: [1, "x"] } };
    expect(detailsSchema("agent").parse(details)).toEqual(details);
  });

  it("accept what the published allow-list keeps of valid details, so an installed clone can be sent back as is", () => {
    const details = { agent_type: "custom", persona_prompt: "P", model_config: { model_id: "m", temperature: 1, top_p: 0.5, api_key: "sk-live-abcdefghijklmnop" }, configuration: { x: 1 } };
    expect(valid("agent", details).success).toBe(true);
    expect(valid("agent", publishedConfig("agent", details).config).success).toBe(true);
  });

  it("refuse wrong types with the field's path", () => {
    const result = valid("agent", { persona_prompt: 123, model_config: { temperature: "hot", model_id: 123 } });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join(".")).sort()).toEqual(["model_config.model_id", "model_config.temperature", "persona_prompt"]);
    expect(valid("llm", { context_window: -1 }).success).toBe(false);
    expect(valid("llm", { tier: "premium" }).success).toBe(false);
    expect(valid("tool", { auth_schemes: "OAUTH2" }).success).toBe(false);
  });

  it("refuse a details value that is not an object without throwing", () => {
    for (const type of ["agent", "recipe", "skill", "llm", "tool"] as const) {
      for (const value of ["x", 1, null, [], true]) expect(valid(type, value).success, `${type} ${JSON.stringify(value)}`).toBe(false);
    }
  });

  it("keep the whole-details bound of 32 KiB of JSON", () => {
    expect(valid("recipe", { blob: "x".repeat(40_000) }).success).toBe(false);
  });
});
