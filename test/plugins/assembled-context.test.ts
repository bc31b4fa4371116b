import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { DEFAULT_CONTEXT_BUDGET } from "../../src/services/plugins/assembled-context";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, uniqueToken } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";
import { adminHeaders } from "../publishing/helpers";
import { CLEAN_FILES } from "./fixtures";
import { approvedPlugin, assembled, catalogTool, enableAndAssign, newVersion, tenantWithAgent } from "./in-use-helpers";

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

/** About `words` tokens of prose, with a unique marker at the start. */
function longSkill(slug: string, words: number) {
  const marker = `marker-${uniqueToken()}`;
  const body = Array.from({ length: words }, (_, i) => `word${i % 97}`).join(" ");
  return { marker, files: { ...CLEAN_FILES, "skills/review/SKILL.md": `---\nname: ${slug}-review\ndescription: Long\n---\n${marker}\n${body}\n` } };
}

describe("the assembled context, end to end", () => {
  it("upload → approve → enable → assign → context with persona first, plugin text in priority order, then tools", async () => {
    const tool = await catalogTool(db());
    const [first, second] = [await approvedPlugin(admin), await approvedPlugin(admin)];
    const tenant = await tenantWithAgent(db(), { persona: "You are a careful reviewer.", tools: [tool.appName] });
    await enableAndAssign(tenant, [second.plugin_id, first.plugin_id]);

    const context = await assembled(tenant.headers, tenant.agentId, 100_000);
    expect(context).toMatchObject({ agent_id: tenant.agentId, model: "model-a", temperature: 0.2, budget: 100_000, persona: { source: "custom" } });
    expect(context.system_prompt.startsWith("## Persona\nYou are a careful reviewer.")).toBe(true);
    const at = (marker: string) => context.system_prompt.indexOf(marker);
    expect(at(second.marker)).toBeGreaterThan(0);
    expect(at(first.marker)).toBeGreaterThan(at(second.marker));
    expect(context.plugins.map((p) => [p.plugin_id, p.priority, p.included, p.version])).toEqual([
      [second.plugin_id, 0, "full", "1.0.0"],
      [first.plugin_id, 1, "full", "1.0.0"],
    ]);
    expect(context.tools).toEqual([expect.objectContaining({ name: tool.appName, description: "Sends messages" })]);
    expect(context.token_count).toBeLessThanOrEqual(context.budget);
    expect(context.token_count).toBeGreaterThan(context.plugins.reduce((sum, p) => sum + p.tokens, 0));
  });

  it("never includes a plugin the workspace has not enabled, whatever the assignment table says", async () => {
    const plugin = await approvedPlugin(admin);
    const tenant = await tenantWithAgent(db());
    await db().insert(schema.agentAssignedPlugins).values({ agentId: tenant.agentId, pluginId: plugin.plugin_id, priority: 0, actorType: "system" });
    const context = await assembled(tenant.headers, tenant.agentId);
    expect(context.plugins).toEqual([]);
    expect(context.system_prompt).not.toContain(plugin.marker);
  });

  it("uses the pinned version until the workspace moves the pin", async () => {
    const plugin = await approvedPlugin(admin);
    const tenant = await tenantWithAgent(db());
    await enableAndAssign(tenant, [plugin.plugin_id]);
    const newer = await newVersion(admin, plugin.slug, "1.1.0");
    expect((await assembled(tenant.headers, tenant.agentId)).system_prompt).toContain(plugin.marker);
    expect((await api(`/api/workspaces/${tenant.workspace.id}/plugins/${plugin.plugin_id}/update`, jsonRequest("POST", {}, tenant.headers))).status).toBe(200);
    const after = await assembled(tenant.headers, tenant.agentId);
    expect(after.system_prompt).toContain(newer.marker);
    expect(after.system_prompt).not.toContain(plugin.marker);
    expect(after.plugins[0]!.version).toBe("1.1.0");
  });
});

describe("the persona", () => {
  it("uses a linked library persona (prompt first, its suggested temperature) and ignores another workspace's persona", async () => {
    const tenant = await tenantWithAgent(db());
    const other = await tenantWithAgent(db());
    const [library] = await db()
      .insert(schema.personas)
      .values({ slug: `p-${uniqueToken()}`, name: "Reviewer", systemPrompt: "You review code.", suggestedTemperature: "0.4" })
      .returning();
    const [foreign] = await db()
      .insert(schema.personas)
      .values({ slug: `p-${uniqueToken()}`, name: "Theirs", systemPrompt: "Private prompt.", workspaceId: other.workspace.id })
      .returning();
    await db().update(schema.items).set({ personaId: library!.id }).where(eq(schema.items.id, tenant.agentId));
    const context = await assembled(tenant.headers, tenant.agentId);
    expect(context).toMatchObject({ temperature: 0.4, persona: { name: "Reviewer", source: "library" } });
    expect(context.system_prompt).toBe("## Persona\nYou review code.");
    // Persona links have no API (seeded rows only), so a second agent gets the foreign one before
    // its first read: the first agent's context is cached and a direct row edit bypasses the bump.
    const third = await tenantWithAgent(db());
    await db().update(schema.items).set({ personaId: foreign!.id }).where(eq(schema.items.id, third.agentId));
    const refused = await assembled(third.headers, third.agentId);
    expect(refused).toMatchObject({ temperature: 0.2, persona: { name: null, source: null }, system_prompt: "" });
  });
});

describe("the content cache behind the assembled context", () => {
  it("serves plugin text from Redis once read: with the R2 objects gone, the next context still has it", async () => {
    const plugin = await approvedPlugin(admin);
    const tenant = await tenantWithAgent(db());
    await enableAndAssign(tenant, [plugin.plugin_id]);
    expect((await assembled(tenant.headers, tenant.agentId)).system_prompt).toContain(plugin.marker);
    const listed = await env.BUNDLES.list({ prefix: `plugins/${plugin.slug}/` });
    await env.BUNDLES.delete(listed.objects.map((o) => o.key));
    expect((await assembled(tenant.headers, tenant.agentId)).system_prompt).toContain(plugin.marker);
  });
});

describe("taking a plugin away removes it from the next assembled context", () => {
  const removals = {
    disable: (t: { headers: Record<string, string>; workspace: { id: string } }, id: string) =>
      api(`/api/workspaces/${t.workspace.id}/plugins/${id}`, { method: "DELETE", headers: t.headers }),
    deactivate: (_t: unknown, id: string) => api(`/api/admin/plugins/${id}/deactivate`, jsonRequest("POST", {}, admin)),
    delete: (_t: unknown, id: string) => api(`/api/admin/plugins/${id}`, { method: "DELETE", headers: admin }),
  };
  for (const [name, remove] of Object.entries(removals)) {
    it(`${name}`, async () => {
      const plugin = await approvedPlugin(admin);
      const tenant = await tenantWithAgent(db());
      await enableAndAssign(tenant, [plugin.plugin_id]);
      expect((await assembled(tenant.headers, tenant.agentId)).system_prompt).toContain(plugin.marker);
      expect((await remove(tenant, plugin.plugin_id)).status).toBe(200);
      const after = await assembled(tenant.headers, tenant.agentId);
      expect(after.plugins).toEqual([]);
      expect(after.system_prompt).not.toContain(plugin.marker);
    });
  }
});

describe("the token budget", () => {
  it("falls back to a plugin's summary, then omits it, and says so", async () => {
    const slugA = `big-${uniqueToken().toLowerCase()}`;
    const big = longSkill(slugA, 3000);
    const a = await approvedPlugin(admin, { slug: slugA, files: big.files });
    const b = await approvedPlugin(admin);
    const tenant = await tenantWithAgent(db(), { persona: "Persona." });
    await enableAndAssign(tenant, [a.plugin_id, b.plugin_id]);

    const roomy = await assembled(tenant.headers, tenant.agentId, 100_000);
    expect(roomy.plugins.map((p) => p.included)).toEqual(["full", "full"]);
    const fullA = roomy.plugins[0]!.tokens;

    const tight = await assembled(tenant.headers, tenant.agentId, fullA - 1);
    expect(tight.plugins[0]!.included).toBe("summary");
    expect(tight.system_prompt).not.toContain(big.marker);
    expect(tight.system_prompt).toContain(`\n## Plugin: Plugin ${a.slug} (${a.slug}) v1.0.0 (summary)\n`);
    expect(tight.token_count).toBeLessThanOrEqual(tight.budget);

    const tiny = await assembled(tenant.headers, tenant.agentId, 8);
    expect(tiny.plugins.map((p) => [p.included, p.tokens])).toEqual([["omitted", 0], ["omitted", 0]]);
    expect(tiny.system_prompt).toBe("## Persona\nPersona.");
    expect(tiny.token_count).toBeLessThanOrEqual(8);
  });

  it("defaults to the model's context window from the LLM catalog, else the documented default", async () => {
    const modelId = `model-${uniqueToken()}`;
    await createMarketplaceItem(db(), { type: "llm", details: { model_id: modelId, context_window: 12345 } });
    const listed = await tenantWithAgent(db(), { modelId });
    expect((await assembled(listed.headers, listed.agentId)).budget).toBe(12345);
    const unlisted = await tenantWithAgent(db(), { modelId: `model-${uniqueToken()}` });
    expect((await assembled(unlisted.headers, unlisted.agentId)).budget).toBe(DEFAULT_CONTEXT_BUDGET);
  });

  it("answers 400 budget_too_small when the persona alone exceeds it, and 400 agent_model_missing without a model", async () => {
    const tenant = await tenantWithAgent(db(), { persona: "A persona prompt that is clearly longer than three tokens." });
    const small = await api(`/api/agents/${tenant.agentId}/assembled-context?budget=3`, { headers: tenant.headers });
    expect(small.status).toBe(400);
    expect((await problem(small)).code).toBe("budget_too_small");
    const bad = await api(`/api/agents/${tenant.agentId}/assembled-context?budget=0`, { headers: tenant.headers });
    expect((await problem(bad)).code).toBe("validation_failed");
    const noModel = await tenantWithAgent(db(), { modelId: null });
    const missing = await api(`/api/agents/${noModel.agentId}/assembled-context`, { headers: noModel.headers });
    expect(missing.status).toBe(400);
    expect((await problem(missing)).code).toBe("agent_model_missing");
  });
});
