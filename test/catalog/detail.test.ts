import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, createUser, createWorkspace, uniqueToken } from "../helpers/factories";
import { api, problem } from "../helpers/http";

const clients = useDatabase();
const db = () => clients.pool;
const world = {} as { reader: Record<string, string>; admin: Record<string, string>; publisherEmail: string; workspaceName: string };

beforeAll(async () => {
  const publisher = await createUser(db(), { email: `${uniqueToken()}@private.example` });
  const { workspace } = await createWorkspace(db(), { owner: publisher, name: `Studio ${uniqueToken()}` });
  const key = await createKey(db(), workspace.id, { scopes: ["catalog:read"] });
  const admin = await signedInUser(db(), { systemRole: "admin" });
  Object.assign(world, { reader: { "X-API-Key": key.secret }, admin: bearer(admin.token), publisherEmail: publisher.email!, workspaceName: workspace.name });
});

async function detail(id: string, headers = world.reader) {
  return api(`/api/marketplace/items/${id}`, { headers });
}

describe("GET /api/marketplace/items/{id}", () => {
  it("shows an agent's tools (names, icons), skills, model configuration and versions", async () => {
    const { workspace } = await createWorkspace(db(), { name: world.workspaceName + " B" });
    const { item: skill } = await createMarketplaceItem(db(), { type: "skill", name: `Skill ${uniqueToken()}`, publisherWorkspaceId: workspace.id });
    const { item: agent } = await createMarketplaceItem(db(), {
      type: "agent",
      publisherWorkspaceId: workspace.id,
      details: {
        agent_type: "custom",
        model_config: { model_id: "gpt-4o", temperature: 0.2, api_key: "sk-secret" },
        webhook_url: "https://hooks.example/secret",
      },
    });
    const appName = uniqueToken("APP").toUpperCase();
    const [tool] = await db()
      .insert(schema.toolCatalog)
      .values({ appName, appSlug: appName.toLowerCase(), displayName: "Mailer", logoUrl: "https://icons.example/mail.svg", authSchemes: ["OAUTH2"] })
      .returning();
    await db().insert(schema.agentToolAssignments).values({ agentId: agent.id, toolId: tool!.id, config: { connection_id: "conn_secret" }, actorType: "system" });
    await db().insert(schema.agentSkills).values({ agentId: agent.id, skillId: skill.id });

    const response = await detail(agent.id);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, any>;
    expect(body.dependencies.tools).toEqual([
      { name: appName, display_name: "Mailer", icon: "https://icons.example/mail.svg", description: null, oauth_required: true },
    ]);
    expect(body.dependencies.skills).toEqual([{ id: skill.id, name: skill.name, description: "", version: "1.0.0" }]);
    expect(body.dependencies.model).toEqual({ model_id: "gpt-4o", temperature: 0.2 });
    expect(body).toMatchObject({ version: "1.0.0", listed_version: "1.0.0", installable: true });
    expect(body.versions).toEqual([
      expect.objectContaining({ version: "1.0.0", changelog: "First release.", status: "active", status_message: null, replacement: null, deprecation: null, lifecycle: "active" }),
    ]);
    expect(body.versions[0]).not.toHaveProperty("review_status");
    // Private configuration never leaves the workspace.
    const text = JSON.stringify(body);
    for (const secret of ["sk-secret", "hooks.example", "conn_secret"]) expect(text).not.toContain(secret);
  });

  it("shows a recipe's required tools and recommended agents", async () => {
    const { item: agent } = await createMarketplaceItem(db(), { type: "agent", name: `Helper ${uniqueToken()}` });
    const { item: recipe } = await createMarketplaceItem(db(), { type: "recipe", details: { required_tools: ["nonexistent_tool"], steps: [] } });
    await db().insert(schema.recipeRecommendedAgents).values({ recipeId: recipe.id, agentId: agent.id });
    const body = (await (await detail(recipe.id)).json()) as Record<string, any>;
    expect(body.dependencies.recommended_agents).toEqual([{ id: agent.id, name: agent.name, description: "" }]);
    expect(body.dependencies.required_tools).toEqual([
      { name: "NONEXISTENT_TOOL", display_name: "NONEXISTENT_TOOL", icon: null, oauth_required: true },
    ]);
  });

  it("names the publisher workspace as creator and never exposes a person's e-mail", async () => {
    const { workspace } = await createWorkspace(db(), { name: world.workspaceName });
    const { item } = await createMarketplaceItem(db(), { publisherWorkspaceId: workspace.id });
    await db().update(schema.items).set({ originalCreatorId: (await createUser(db(), { email: world.publisherEmail.replace("@", "2@") })).id }).where(eq(schema.items.id, item.id));
    const text = await (await detail(item.id)).text();
    expect(JSON.parse(text).creator_name).toBe(world.workspaceName);
    expect(text).not.toContain("@private.example");
  });

  it("answers 404 for unknown, unapproved (to non-admins) and removed items, and 400 for a bad id", async () => {
    const unknown = await detail(crypto.randomUUID());
    expect(unknown.status).toBe(404);
    expect((await problem(unknown)).code).toBe("item_not_found");

    const { item: pending } = await createMarketplaceItem(db(), { isApproved: false });
    expect((await detail(pending.id)).status).toBe(404);
    const asAdmin = await detail(pending.id, world.admin);
    expect(asAdmin.status).toBe(200);
    expect(await asAdmin.json()).toMatchObject({ is_approved: false, installable: false, listed_version: null, versions: [{ review_status: "pending" }] });

    const { workspace } = await createWorkspace(db());
    const { item: removed } = await createMarketplaceItem(db(), { publisherWorkspaceId: workspace.id });
    await db()
      .update(schema.items)
      .set({ ownerType: "workspace", workspaceId: workspace.id, ownerId: workspace.id, isApproved: false, removedAt: new Date() })
      .where(eq(schema.items.id, removed.id));
    expect((await detail(removed.id)).status).toBe(404);
    expect((await detail(removed.id, world.admin)).status).toBe(404);

    expect((await detail("not-a-uuid")).status).toBe(400);
  });
});
