import { describe, expect, it } from "vitest";
import { workspaceOwnerHeaders } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { api, jsonRequest, problem } from "../helpers/http";

// Wrong types and values in `details` (src/domain/item-details.ts) are a 400 `validation_failed`
// naming each field in `errors[]`, and nothing is written. Valid cases: details.test.ts.
const clients = useDatabase();
const db = () => clients.pool;

const editorHeaders = () => workspaceOwnerHeaders(db());

const total = async (path: string, headers: Record<string, string>) => ((await (await api(path, { headers })).json()) as { total: number }).total;

/** [case, collection, details, the field path `errors[]` must name]. */
const REFUSED: Array<[string, string, unknown, string]> = [
  ["persona_prompt a number", "/api/agents", { persona_prompt: 123 }, "json.details.persona_prompt"],
  ["persona_prompt too long", "/api/agents", { persona_prompt: "x".repeat(30_001) }, "json.details.persona_prompt"],
  ["temperature a string", "/api/agents", { model_config: { model_id: "gpt-4o", temperature: "hot" } }, "json.details.model_config.temperature"],
  ["temperature above 2", "/api/agents", { model_config: { model_id: "gpt-4o", temperature: 2.5 } }, "json.details.model_config.temperature"],
  ["temperature below 0", "/api/agents", { model_config: { model_id: "gpt-4o", temperature: -0.1 } }, "json.details.model_config.temperature"],
  ["model_id a number", "/api/agents", { model_config: { model_id: 123 } }, "json.details.model_config.model_id"],
  ["model_id blank", "/api/agents", { model_config: { model_id: "  " } }, "json.details.model_config.model_id"],
  ["max_tokens zero", "/api/agents", { model_config: { model_id: "m", max_tokens: 0 } }, "json.details.model_config.max_tokens"],
  ["max_tokens a fraction", "/api/agents", { model_config: { model_id: "m", max_tokens: 10.5 } }, "json.details.model_config.max_tokens"],
  ["top_p above 1", "/api/agents", { model_config: { model_id: "m", top_p: 1.5 } }, "json.details.model_config.top_p"],
  ["model_config not an object", "/api/agents", { model_config: "gpt-4o" }, "json.details.model_config"],
  ["model_id at the top level", "/api/agents", { model_id: "gpt-4o" }, "json.details.model_id"],
  ["temperature at the top level", "/api/agents", { temperature: "hot" }, "json.details.temperature"],
  ["tool_names not a list", "/api/agents", { tool_names: "SLACK" }, "json.details.tool_names"],
  ["a tool name a number", "/api/agents", { tool_names: ["SLACK", 7] }, "json.details.tool_names.1"],
  ["configuration a list", "/api/agents", { configuration: [1] }, "json.details.configuration"],
  ["agent_type a number", "/api/agents", { agent_type: 1 }, "json.details.agent_type"],
  ["steps not a list", "/api/recipes", { steps: "do it" }, "json.details.steps"],
  ["a step's order negative", "/api/recipes", { steps: [{ title: "a" }, { order: -1 }] }, "json.details.steps.1.order"],
  ["a step's title a number", "/api/recipes", { steps: [{ title: 5 }] }, "json.details.steps.0.title"],
  ["required_tools a string", "/api/recipes", { required_tools: "SLACK" }, "json.details.required_tools"],
  ["inputs a list", "/api/recipes", { inputs: [] }, "json.details.inputs"],
  ["prompt_template a number", "/api/skills", { prompt_template: 42 }, "json.details.prompt_template"],
  ["skill_type an object", "/api/skills", { skill_type: {} }, "json.details.skill_type"],
  ["parameters a string", "/api/skills", { parameters: "x" }, "json.details.parameters"],
];

describe("workspace item details: refused", () => {
  it.each(REFUSED)("create: %s → 400 naming the field, nothing stored", async (_case, path, details, field) => {
    const headers = await editorHeaders();
    const response = await api(path, jsonRequest("POST", { name: "Refused", details }, headers));
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body.code).toBe("validation_failed");
    expect(body.errors?.map((e) => e.path)).toContain(field);
    expect(await total(path, headers)).toBe(0);
  });

  it.each(REFUSED)("update: %s → 400 naming the field, the stored details unchanged", async (_case, path, details, field) => {
    const headers = await editorHeaders();
    const original = { model_config: { model_id: "gpt-4o", temperature: 0.2 }, persona_prompt: "Before." };
    const createdResponse = await api(path, jsonRequest("POST", { name: "Kept", details: path === "/api/agents" ? original : {} }, headers));
    expect(createdResponse.status).toBe(201);
    const created = (await createdResponse.json()) as { id: string; details: unknown; updated_at: string };
    const response = await api(`${path}/${created.id}`, jsonRequest("PATCH", { name: "Changed", details }, headers));
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body.code).toBe("validation_failed");
    expect(body.errors?.map((e) => e.path)).toContain(field);
    const after = (await (await api(`${path}/${created.id}`, { headers })).json()) as { name: string; details: unknown; updated_at: string };
    expect(after).toMatchObject({ name: "Kept", details: created.details, updated_at: created.updated_at });
  });

  it("names every wrong field in one response", async () => {
    const headers = await editorHeaders();
    const response = await api("/api/agents", jsonRequest("POST", { name: "Many", details: { persona_prompt: 123, model_id: 123, model_config: { temperature: "hot", model_id: 123 } } }, headers));
    const body = await problem(response);
    expect(body.errors?.map((e) => e.path).sort()).toEqual([
      "json.details.model_config.model_id",
      "json.details.model_config.temperature",
      "json.details.model_id",
      "json.details.persona_prompt",
    ]);
    expect(body.errors?.find((e) => e.path === "json.details.model_id")?.message).toMatch(/model_config/);
  });
});
