import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { createKey } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createCategory, createMarketplaceItem, uniqueToken } from "../helpers/factories";
import { api, problem } from "../helpers/http";
import { adminHeaders, post, publisher } from "./helpers";

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;
beforeAll(async () => {
  admin = await adminHeaders(db());
});

describe("POST /api/marketplace/submit", () => {
  it("creates a pending marketplace copy with the given fields, dropping private configuration", async () => {
    const p = await publisher(db());
    const category = await createCategory(db());
    const agent = await p.create("agents", {
      name: `Draft ${uniqueToken()}`,
      details: { agent_type: "custom", model_config: { model_id: "gpt-4o", api_key: "sk-live" }, configuration: { webhook: "https://x" } },
    });
    const name = `Listed ${uniqueToken()}`;
    const response = await p.submit({ item_id: agent.id, name, description: "Shiny", category: category.slug, tags: ["a", "b"], icon: "🤖", changelog: "First" });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { submission_id: string; item_id: string; status: string; version: string; dropped_keys: string[] };
    expect(body).toMatchObject({ status: "pending", version: "1.0.0", new_item: true });
    expect(body.dropped_keys.sort()).toEqual(["configuration.webhook", "model_config.api_key"]);

    const [row] = await db().select().from(schema.items).where(eq(schema.items.id, body.item_id));
    expect(row).toMatchObject({
      ownerType: "marketplace",
      isApproved: false,
      name,
      description: "Shiny",
      tags: ["a", "b"],
      marketplaceIcon: "🤖",
      marketplaceCategory: category.name,
      clonedFromId: agent.id,
      sourceItemId: agent.id,
      publisherWorkspaceId: p.workspace.id,
      originalCreatorId: p.user.id,
    });
    expect(JSON.stringify(row!.details)).not.toContain("sk-live");
    // Invisible until approved.
    expect((await api(`/api/marketplace/items/${body.item_id}`, { headers: p.headers })).status).toBe(404);
  });

  it("accepts the original frontend body at the alias path", async () => {
    const p = await publisher(db());
    const agent = await p.create("agents", { name: `Legacy ${uniqueToken()}` });
    const response = await p.submit({ item_type: "agent", metadata: { agent_id: agent.id, icon: "⭐" } }, "/api/marketplace/items/submit");
    expect(response.status).toBe(201);
  });

  it("answers 404 for another workspace's item, and 403 to a viewer", async () => {
    const mine = await publisher(db());
    const theirs = await publisher(db());
    const agent = await theirs.create("agents", { name: `Theirs ${uniqueToken()}` });
    const stolen = await mine.submit({ item_id: agent.id });
    expect(stolen.status).toBe(404);
    const viewer = await post("/api/marketplace/submit", { item_id: agent.id }, await theirs.viewerHeaders());
    expect(viewer.status).toBe(403);
  });

  it("refuses an agent whose skills are private to the workspace, naming them", async () => {
    const p = await publisher(db());
    const skill = await p.create("skills", { name: `Private skill ${uniqueToken()}` });
    const agent = await p.create("agents", { name: `Uses private ${uniqueToken()}`, skill_ids: [skill.id] });
    const response = await p.submit({ item_id: agent.id });
    expect(response.status).toBe(400);
    const body = (await problem(response)) as unknown as { code: string; dependencies: Array<{ id: string }> };
    expect(body.code).toBe("private_dependencies");
    expect(body.dependencies.map((d) => d.id)).toEqual([skill.id]);
  });

  it("keeps marketplace names unique per type, ignoring case", async () => {
    const p = await publisher(db());
    const taken = `Famous ${uniqueToken()}`;
    await createMarketplaceItem(db(), { type: "skill", name: taken });
    const skill = await p.create("skills", { name: taken.toUpperCase() });
    const response = await p.submit({ item_id: skill.id });
    expect(response.status).toBe(409);
    expect((await problem(response)).code).toBe("name_taken");
  });

  it("publishes a new version of the same item on resubmission, never reusing a version number", async () => {
    const p = await publisher(db());
    const skill = await p.create("skills", { name: `Versioned ${uniqueToken()}` });
    const first = (await (await p.submit({ item_id: skill.id, version: "1.2.0" })).json()) as { item_id: string };
    expect((await p.submit({ item_id: skill.id })).status).toBe(409); // one pending at a time
    await post(`/api/marketplace/items/${first.item_id}/reject`, { reason: "Needs examples" }, admin);

    const reused = await p.submit({ item_id: skill.id, version: "1.2.0" });
    expect(reused.status).toBe(409);
    expect((await problem(reused)).code).toBe("version_conflict");
    // A lower, unused number is a maintenance release, not a conflict (design.md §2 as amended).
    const older = await p.submit({ item_id: skill.id, version: "1.1.9" });
    expect(older.status).toBe(201);
    await post(`/api/marketplace/items/${first.item_id}/reject`, { reason: "Needs examples too" }, admin);

    const next = (await (await p.submit({ item_id: skill.id })).json()) as { item_id: string; version: string; new_item: boolean };
    expect(next).toMatchObject({ item_id: first.item_id, version: "1.2.1", new_item: false });
  });

  it("records the key's creator as original creator when a key submits", async () => {
    const p = await publisher(db());
    const skill = await p.create("skills", { name: `By key ${uniqueToken()}` });
    const key = await createKey(db(), p.workspace.id, { scopes: ["items:submit"], createdByUserId: p.user.id });
    const response = await post("/api/marketplace/submit", { item_id: skill.id }, { "X-API-Key": key.secret });
    expect(response.status).toBe(201);
    const { item_id } = (await response.json()) as { item_id: string };
    const [row] = await db().select().from(schema.items).where(eq(schema.items.id, item_id));
    expect(row!.originalCreatorId).toBe(p.user.id);
  });

  it("shows the submitter their submissions with status and rejection reason", async () => {
    const p = await publisher(db());
    const skill = await p.create("skills", { name: `Tracked ${uniqueToken()}` });
    const { item_id } = (await (await p.submit({ item_id: skill.id })).json()) as { item_id: string };
    await post(`/api/marketplace/items/${item_id}/reject`, { reason: "Too vague" }, admin);
    const list = (await (await api("/api/marketplace/submissions", { headers: p.headers })).json()) as {
      items: Array<{ item_id: string; status: string; rejection_reason: string | null }>;
    };
    expect(list.items).toEqual([expect.objectContaining({ item_id, status: "rejected", rejection_reason: "Too vague" })]);
  });
});
