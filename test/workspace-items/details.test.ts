import { describe, expect, it } from "vitest";
import { workspaceOwnerHeaders } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { api, jsonRequest } from "../helpers/http";

// Workspace item `details` are checked per type (src/domain/item-details.ts): valid configuration
// is stored as given, unknown keys included. The refusals are in details-errors.test.ts.
const clients = useDatabase();
const db = () => clients.pool;

const editorHeaders = () => workspaceOwnerHeaders(db());

interface Item {
  id: string;
  details: Record<string, unknown>;
}

describe("workspace item details: valid configuration", () => {
  it("stores a full agent configuration as given, unknown keys included", async () => {
    const headers = await editorHeaders();
    const details = {
      agent_type: "support",
      persona_prompt: "You are a careful support agent.",
      model_config: { model_id: "gpt-4o", provider: "openai", temperature: 0, max_tokens: 4096, top_p: 1, seed: 7 },
      tool_names: ["SLACK"],
      parameters: { tone: "friendly" },
      configuration: { webhook_url: "https://example.test/hook" },
      notes: ["anything else is kept"],
    };
    const created = await api("/api/agents", jsonRequest("POST", { name: "Support", details }, headers));
    expect(created.status).toBe(201);
    const agent = (await created.json()) as Item;
    expect(agent.details).toEqual(details);
    expect(((await (await api(`/api/agents/${agent.id}`, { headers })).json()) as Item).details).toEqual(details);
  });

  it("accepts the bounds themselves: temperature 0 and 2, top_p 1, max_tokens 1", async () => {
    const headers = await editorHeaders();
    for (const [i, model_config] of [{ temperature: 0 }, { temperature: 2 }, { temperature: 0.7, top_p: 1, max_tokens: 1 }].entries()) {
      const created = await api("/api/agents", jsonRequest("POST", { name: `Bounds ${i}`, details: { model_config: { model_id: "m", ...model_config } } }, headers));
      expect(created.status, JSON.stringify(model_config)).toBe(201);
    }
  });

  it("stores recipe and skill configuration", async () => {
    const headers = await editorHeaders();
    const recipe = { steps: [{ order: 0, title: "Triage", agent_name: "Support", inputs: { ticket: "id" } }], inputs: {}, outputs: { summary: "text" }, required_tools: ["ZENDESK"], template_definition: ["free", 1] };
    const createdRecipe = await api("/api/recipes", jsonRequest("POST", { name: "Inbox", details: recipe }, headers));
    expect(createdRecipe.status).toBe(201);
    expect(((await createdRecipe.json()) as Item).details).toEqual(recipe);
    const skill = { skill_type: "prompt", prompt_template: "Sum up.", parameters: { length: 3 }, tools_schema: { type: "object" } };
    const createdSkill = await api("/api/skills", jsonRequest("POST", { name: "Summarise", details: skill }, headers));
    expect(createdSkill.status).toBe(201);
    expect(((await createdSkill.json()) as Item).details).toEqual(skill);
  });

  it("PATCH replaces details whole (no merge) and checks them as create does", async () => {
    const headers = await editorHeaders();
    const agent = (await (await api("/api/agents", jsonRequest("POST", { name: "Replace", details: { agent_type: "custom", model_config: { model_id: "gpt-4o" } } }, headers))).json()) as Item;
    const patched = await api(`/api/agents/${agent.id}`, jsonRequest("PATCH", { details: { persona_prompt: "Only this." } }, headers));
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as Item).details).toEqual({ persona_prompt: "Only this." });
    // A PATCH without details leaves them alone.
    const renamed = await api(`/api/agents/${agent.id}`, jsonRequest("PATCH", { name: "Renamed" }, headers));
    expect(((await renamed.json()) as Item).details).toEqual({ persona_prompt: "Only this." });
  });
});
