import { eq } from "drizzle-orm";
import type { Database } from "../../src/db/client";
import * as schema from "../../src/db/schema";
import { createMarketplaceItem, uniqueToken } from "../helpers/factories";
import { api, jsonRequest } from "../helpers/http";
import { adminHeaders, post, publisher, workspaceOwner } from "../publishing/helpers";

/** A workspace whose owner (an editor and more) installs things. */
export async function installer(db: Database) {
  const { user, workspace, headers } = await workspaceOwner(db);
  return {
    user,
    workspace,
    headers,
    install(itemId: string, body?: unknown, extra: Record<string, string> = {}) {
      return body === undefined
        ? api(`/api/marketplace/items/${itemId}/install`, { method: "POST", headers: { ...headers, ...extra } })
        : api(`/api/marketplace/items/${itemId}/install`, jsonRequest("POST", body, { ...headers, ...extra }));
    },
    uninstall(itemId: string) {
      return api(`/api/marketplace/items/${itemId}/install`, { method: "DELETE", headers });
    },
    update(itemId: string, body?: unknown) {
      return body === undefined
        ? api(`/api/marketplace/items/${itemId}/update`, { method: "POST", headers })
        : api(`/api/marketplace/items/${itemId}/update`, jsonRequest("POST", body, headers));
    },
    get(path: string) {
      return api(path, { headers });
    },
  };
}

export interface InstallBody {
  item_id: string;
  clone_id: string;
  type: string;
  name: string;
  version: string;
  prerelease: boolean;
  version_status: string;
  deprecation: { message: string; replacement: string | null } | null;
  skills?: Array<{ id: string; name: string }>;
  tools_to_reconnect?: Array<{ name: string; display_name: string; icon: string | null; oauth_required: boolean }>;
  recommended_agents?: Array<{ id: string; name: string }>;
  warnings: string[];
}

export async function catalogTool(db: Database, authSchemes: string[] = []) {
  const appName = uniqueToken("APP").toUpperCase();
  const [tool] = await db
    .insert(schema.toolCatalog)
    .values({ appName, appSlug: appName.toLowerCase(), displayName: `Tool ${appName}`, logoUrl: `https://icons.test/${appName}.png`, authSchemes })
    .returning();
  return tool!;
}

/**
 * A marketplace agent published through the real submit and approve routes: a marketplace skill,
 * a tool, a model configuration and a private key that publishing drops.
 */
export async function publishedAgent(db: Database, opts: { name?: string } = {}) {
  const admin = await adminHeaders(db);
  const p = await publisher(db);
  const { item: skill } = await createMarketplaceItem(db, { type: "skill" });
  const tool = await catalogTool(db, ["OAUTH2"]);
  const agent = await p.create("agents", {
    name: opts.name ?? `Agent ${uniqueToken()}`,
    description: "Answers tickets.",
    tags: ["support"],
    details: { agent_type: "support", model_config: { model_id: "gpt-4o", temperature: 0.2 }, configuration: { api_key: "private" } },
    skill_ids: [skill.id],
    tools: [tool.appName],
  });
  const submitted = (await (await p.submit({ item_id: agent.id, version: "1.0.0", changelog: "First" })).json()) as { item_id: string };
  const approved = await post(`/api/marketplace/items/${submitted.item_id}/approve`, {}, admin);
  if (approved.status !== 200) throw new Error(`approve failed: ${approved.status}`);
  return {
    itemId: submitted.item_id,
    name: agent.name,
    skill,
    tool,
    admin,
    publisher: p,
    source: agent,
    /** Submits and approves another version from the same workspace agent (after `patch`). */
    async release(version: string, patch: Record<string, unknown> = {}, changelog = `Notes ${version}`) {
      if (Object.keys(patch).length) {
        const patched = await api(`/api/agents/${agent.id}`, jsonRequest("PATCH", patch, p.headers));
        if (patched.status !== 200) throw new Error(`patch failed: ${patched.status} ${await patched.text()}`);
      }
      const response = await p.submit({ item_id: agent.id, version, changelog });
      if (response.status !== 201) throw new Error(`submit failed: ${response.status} ${await response.text()}`);
      const ok = await post(`/api/marketplace/items/${submitted.item_id}/approve`, {}, admin);
      if (ok.status !== 200) throw new Error(`approve failed: ${ok.status}`);
    },
  };
}

export async function installCount(db: Database, itemId: string) {
  const [row] = await db.select({ n: schema.items.installCount }).from(schema.items).where(eq(schema.items.id, itemId));
  return row!.n;
}

export function installRows(db: Database, itemId: string) {
  return db.select().from(schema.marketplaceInstalls).where(eq(schema.marketplaceInstalls.itemId, itemId));
}
