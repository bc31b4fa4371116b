import { expect } from "vitest";
import type { Database } from "../../src/db/client";
import * as schema from "../../src/db/schema";
import { uniqueToken } from "../helpers/factories";
import { api, jsonRequest } from "../helpers/http";
import { workspaceOwner } from "../publishing/helpers";
import { bundle, CLEAN_FILES, manifestFor, uniqueSlug, upload } from "./fixtures";

/** A plugin uploaded and approved by a platform admin; `marker` is a unique phrase inside its SKILL.md. */
export async function approvedPlugin(admin: Record<string, string>, opts: { files?: Record<string, string>; version?: string; slug?: string } = {}) {
  const slug = opts.slug ?? uniqueSlug();
  const marker = `marker-${uniqueToken()}`;
  const files = opts.files ?? { ...CLEAN_FILES, "skills/review/SKILL.md": `---\nname: ${slug}-review\ndescription: Reviews diffs\n---\n# Review\n${marker}\n` };
  const version = opts.version ?? "1.0.0";
  const uploaded = await upload(bundle({ slug, files, manifest: manifestFor(slug, { version }) }), admin);
  expect(uploaded.status).toBe(201);
  const { plugin_id } = (await uploaded.json()) as { plugin_id: string };
  const approved = await api(`/api/admin/plugins/${plugin_id}/approve`, jsonRequest("POST", { version }, admin));
  expect(approved.status).toBe(200);
  return { plugin_id, slug, marker };
}

/** A new version of an existing plugin, uploaded and (unless `approve: false`) approved. */
export async function newVersion(admin: Record<string, string>, slug: string, version: string, approve = true) {
  const marker = `marker-${uniqueToken()}`;
  const files = { ...CLEAN_FILES, "skills/review/SKILL.md": `---\nname: ${slug}-review\ndescription: Reviews diffs\n---\n# Review\n${marker}\n` };
  const uploaded = await upload(bundle({ slug, files, manifest: manifestFor(slug, { version, changelog: `Changes in ${version}` }) }), admin);
  expect(uploaded.status).toBe(201);
  const { plugin_id } = (await uploaded.json()) as { plugin_id: string };
  if (approve) expect((await api(`/api/admin/plugins/${plugin_id}/approve`, jsonRequest("POST", { version }, admin))).status).toBe(200);
  return { marker };
}

/** A workspace owner with one agent (model configured, optional persona prompt and tools). */
export async function tenantWithAgent(db: Database, opts: { persona?: string; tools?: string[]; modelId?: string | null } = {}) {
  const owner = await workspaceOwner(db);
  const modelConfig = opts.modelId === null ? {} : { model_config: { model_id: opts.modelId ?? "model-a", temperature: 0.2 } };
  const details = { ...modelConfig, ...(opts.persona ? { persona_prompt: opts.persona } : {}) };
  const created = await api("/api/agents", jsonRequest("POST", { name: `Agent ${uniqueToken()}`, details, tools: opts.tools }, owner.headers));
  expect(created.status).toBe(201);
  const agent = (await created.json()) as { id: string };
  return { ...owner, agentId: agent.id };
}

/** A tool catalog row with a unique app name. */
export async function catalogTool(db: Database) {
  const appName = uniqueToken("TOOL").toUpperCase();
  const [tool] = await db
    .insert(schema.toolCatalog)
    .values({ appName, appSlug: appName.toLowerCase(), displayName: `Tool ${appName}`, description: "Sends messages", categories: ["chat"] })
    .returning();
  return tool!;
}

export const enable = (headers: Record<string, string>, workspaceId: string, pluginId: string) =>
  api(`/api/workspaces/${workspaceId}/plugins`, jsonRequest("POST", { plugin_id: pluginId }, headers));

export const assign = (headers: Record<string, string>, agentId: string, pluginIds: string[]) =>
  api(`/api/agents/${agentId}/plugins`, jsonRequest("PUT", { plugin_ids: pluginIds }, headers));

export interface AssembledContext {
  agent_id: string;
  model: string;
  temperature: number;
  system_prompt: string;
  persona: { name: string | null; source: string | null };
  plugins: Array<{ plugin_id: string; slug: string; version: string; priority: number; included: "full" | "summary" | "omitted"; tokens: number }>;
  tools: Array<{ name: string; description: string }>;
  token_count: number;
  budget: number;
}

export async function assembled(headers: Record<string, string>, agentId: string, budget?: number): Promise<AssembledContext> {
  const response = await api(`/api/agents/${agentId}/assembled-context${budget ? `?budget=${budget}` : ""}`, { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as AssembledContext;
}

/** Enables and assigns in one go; asserts each step. */
export async function enableAndAssign(t: { headers: Record<string, string>; workspace: { id: string }; agentId: string }, pluginIds: string[]) {
  for (const id of pluginIds) expect((await enable(t.headers, t.workspace.id, id)).status).toBe(201);
  expect((await assign(t.headers, t.agentId, pluginIds)).status).toBe(200);
}
