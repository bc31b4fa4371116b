import { describe, expect, it } from "vitest";
import { isSecretKeyName, isSecretValue } from "../../src/domain/credentials";
import { publishedConfig } from "../../src/domain/published-config";

// Issue 10 item 1: deny by default at every depth, credentials dropped wherever they sit.
describe("credential detection", () => {
  it("knows credential key names, and not max_tokens and its kin", () => {
    for (const key of ["db_password", "api_key", "apiKey", "Authorization", "cookie", "private_key", "accessToken", "token", "client_secret", "callback_url", "slackWebhook", "X-Api-Key", "secretRef"]) {
      expect(isSecretKeyName(key), key).toBe(true);
    }
    for (const key of ["max_tokens", "tokens", "tone", "channel", "model_id", "sort_key", "keywords", "title"]) {
      expect(isSecretKeyName(key), key).toBe(false);
    }
  });

  it("knows credential-looking values: bearer tokens, key prefixes, credential URLs and webhooks", () => {
    for (const value of [
      "Bearer abcdefgh12345678",
      "sk-live-4f9a8b7c6d5e",
      "sk_live_51HxYzAbCdEf",
      "sk-proj-abcdefghijklmnopqrstu",
      "ghp_abcdefghijklmnopqrstuvwxyz0123",
      "xoxb-1234-5678-abcdefgh",
      "AKIAIOSFODNN7EXAMPLE",
      "-----BEGIN RSA PRIVATE KEY-----\nMIIE",
      "postgres://admin:hunter2@db.internal:5432/prod",
      "https://hooks.slack.com/services/T0/B0/XYZ",
      "https://discord.com/api/webhooks/123/abc",
      "https://api.example.com/v1/data?api_key=abc123",
      "https://example.com/hooks/deploy",
    ]) {
      expect(isSecretValue(value), value).toBe(true);
    }
    for (const value of ["friendly", "https://docs.example.com/guide", "#releases", "gpt-4o", "Summarise the thread", "task-list"]) {
      expect(isSecretValue(value), value).toBe(false);
    }
  });
});

describe("publishedConfig", () => {
  it("keeps only what the type declares, dropping unknown keys and wrong types at every depth, leaf by leaf", () => {
    const { config, dropped } = publishedConfig("agent", {
      agent_type: "custom",
      model_config: { model_id: "gpt-4o", temperature: "hot", endpoint: { host: "10.0.0.1", port: 8080 } },
      tool_names: ["SLACK", 42],
      connection_id: "conn_1",
    });
    expect(config).toEqual({ agent_type: "custom", model_config: { model_id: "gpt-4o" }, tool_names: ["SLACK"] });
    expect(dropped.sort()).toEqual(["connection_id", "model_config.endpoint.host", "model_config.endpoint.port", "model_config.temperature", "tool_names[1]"]);
  });

  it("screens free-form parts at any depth, including arrays, and quotes odd key names", () => {
    const { config, dropped } = publishedConfig("skill", {
      skill_type: "http",
      parameters: { retries: 3, nested: [{ "Set-Cookie": "a=b", label: "ok" }, "Basic dXNlcjpwYXNzd29yZA=="] },
      tools_schema: { type: "object", properties: { q: { type: "string" } } },
    });
    expect(config).toEqual({
      skill_type: "http",
      parameters: { retries: 3, nested: [{ label: "ok" }] },
      tools_schema: { type: "object", properties: { q: { type: "string" } } },
    });
    expect(dropped.sort()).toEqual(['parameters.nested[0]["Set-Cookie"]', "parameters.nested[1]"]);
  });

  it("drops a declared text field whose value is a credential", () => {
    const { config, dropped } = publishedConfig("agent", { persona_prompt: "Use key sk-live-abcdefghijklmnop to call the API" });
    expect(config).toEqual({});
    expect(dropped).toEqual(["persona_prompt"]);
  });

  it("is idempotent: filtering a published configuration again drops nothing", () => {
    const first = publishedConfig("recipe", {
      steps: [{ order: 0, title: "Post", url: "https://hooks.slack.com/services/x", headers: { Authorization: "Bearer sk-live-abcdefgh" } }],
      inputs: { db_password: "x", channel: "#a" },
    });
    expect(publishedConfig("recipe", first.config)).toEqual({ config: first.config, dropped: [] });
  });

  it("keeps the demo catalog's configuration of every type whole", () => {
    const samples = {
      agent: { agent_type: "custom", persona_prompt: "You are X.", model_config: { model_id: "gpt-4o", temperature: 0.3, max_tokens: 4096 }, tool_names: ["SLACK"] },
      recipe: { steps: [{ order: 0, title: "Triage", agent_name: "Support" }], required_tools: ["ZENDESK"], inputs: {}, outputs: {} },
      skill: { skill_type: "prompt", prompt_template: "You are an expert." },
      llm: { provider: "openai", model_id: "gpt-4o", context_window: 128000, input_cost_per_1k_tokens: 0.005, output_cost_per_1k_tokens: 0.015, capabilities: ["vision"] },
      tool: { app_name: "SLACK", auth_schemes: ["OAUTH2", "API_KEY"] },
    } as const;
    for (const [type, details] of Object.entries(samples)) {
      expect(publishedConfig(type as keyof typeof samples, details as Record<string, unknown>), type).toEqual({ config: details, dropped: [] });
    }
  });

  it("drops free-form JSON nested deeper than 32 levels", () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const { config, dropped } = publishedConfig("skill", { tools_schema: deep });
    expect(JSON.stringify(config)).not.toContain("leaf");
    expect(dropped).toHaveLength(1);
  });
});
