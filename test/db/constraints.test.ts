// @module-tag pglite (constraints and the SQLSTATEs each server reports: also run on the embedded database; test/suite-layout.ts)
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { nameSkeleton } from "../../src/domain/names";
import { CHECK_VIOLATION, expectSqlState, FOREIGN_KEY_VIOLATION, RESTRICT_VIOLATION, UNIQUE_VIOLATION, useDatabase } from "../helpers/db";
import {
  createCategory,
  createMarketplaceItem,
  createUser,
  createWorkspace,
  createWorkspaceItem,
  uniqueToken,
} from "../helpers/factories";

const clients = useDatabase();
const db = () => clients.pool;
const system = { actorType: "system" as const };
/** A name with its skeleton, for rows inserted straight into the table. */
const named = (name: string) => ({ name, nameSkeleton: nameSkeleton(name) });

describe("ids", () => {
  it("gives every item a UUID from one id space, whatever its type", async () => {
    const { workspace } = await createWorkspace(db());
    const agent = await createWorkspaceItem(db(), workspace.id, { type: "agent" });
    const recipe = await createWorkspaceItem(db(), workspace.id, { type: "recipe" });
    for (const id of [agent.id, recipe.id]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(agent.id).not.toBe(recipe.id);
  });
});

describe("installs", () => {
  it("lets the database refuse a second active install of the same item, and allow one after uninstall", async () => {
    const { workspace } = await createWorkspace(db());
    const { item, version } = await createMarketplaceItem(db());
    const install = { workspaceId: workspace.id, itemId: item.id, versionId: version.id, ...system };
    const [first] = await db().insert(schema.marketplaceInstalls).values(install).returning();
    await expectSqlState(db().insert(schema.marketplaceInstalls).values(install), UNIQUE_VIOLATION);

    await db()
      .update(schema.marketplaceInstalls)
      .set({ uninstalledAt: new Date() })
      .where(eq(schema.marketplaceInstalls.id, first!.id));
    await db().insert(schema.marketplaceInstalls).values(install);
    const rows = await db().select().from(schema.marketplaceInstalls).where(eq(schema.marketplaceInstalls.itemId, item.id));
    expect(rows).toHaveLength(2);
  });

  it("keeps the install history when the item is removed", async () => {
    const { workspace } = await createWorkspace(db());
    const { item, version } = await createMarketplaceItem(db());
    await db().insert(schema.marketplaceInstalls).values({ workspaceId: workspace.id, itemId: item.id, versionId: version.id, ...system });
    await expectSqlState(db().delete(schema.items).where(eq(schema.items.id, item.id)), RESTRICT_VIOLATION);
  });
});

describe("plugin enablement", () => {
  it("lets the database refuse enabling the same plugin twice in a workspace", async () => {
    const { workspace } = await createWorkspace(db());
    const slug = uniqueToken("plugin");
    const [plugin] = await db().insert(schema.marketplacePlugins).values({ slug, name: slug, nameSkeleton: nameSkeleton(slug), ...system }).returning();
    const [version] = await db()
      .insert(schema.pluginVersions)
      .values({
        pluginId: plugin!.id,
        version: "1.0.0",
        storagePrefix: `plugins/${slug}/1.0.0/`,
        manifest: {},
        bundleSha256: "a".repeat(64),
        bundleSizeBytes: 10,
        fileCount: 1,
        ...system,
      })
      .returning();
    const enable = { workspaceId: workspace.id, pluginId: plugin!.id, pluginVersionId: version!.id, ...system };
    await db().insert(schema.workspaceEnabledPlugins).values(enable);
    await expectSqlState(db().insert(schema.workspaceEnabledPlugins).values(enable), UNIQUE_VIOLATION);
  });

  it("refuses a plugin slug that could escape its storage prefix", async () => {
    await expectSqlState(db().insert(schema.marketplacePlugins).values({ slug: "../etc", name: "x", nameSkeleton: nameSkeleton("x"), ...system }), CHECK_VIOLATION);
  });

  it("refuses to approve a plugin version the scanner blocked", async () => {
    const slug = uniqueToken("plugin");
    const [plugin] = await db().insert(schema.marketplacePlugins).values({ slug, name: slug, nameSkeleton: nameSkeleton(slug), ...system }).returning();
    await expectSqlState(
      db().insert(schema.pluginVersions).values({
        pluginId: plugin!.id,
        version: "1.0.0",
        storagePrefix: `plugins/${slug}/1.0.0/`,
        manifest: {},
        bundleSha256: "b".repeat(64),
        bundleSizeBytes: 10,
        fileCount: 1,
        securityStatus: "blocked",
        approvalStatus: "approved",
        ...system,
      }),
      CHECK_VIOLATION,
    );
  });
});

describe("enum columns", () => {
  it("refuses values outside each enum", async () => {
    const { workspace } = await createWorkspace(db());
    const user = await createUser(db());
    await expectSqlState(
      db().insert(schema.items).values({ type: "widget", name: "x", nameSkeleton: "x", ownerId: workspace.id, workspaceId: workspace.id, ...system }),
      CHECK_VIOLATION,
    );
    await expectSqlState(db().insert(schema.workspaceMembers).values({ workspaceId: workspace.id, userId: user.id, role: "god" as never }), CHECK_VIOLATION);
    await expectSqlState(db().update(schema.users).set({ systemRole: "root" as never }).where(eq(schema.users.id, user.id)), CHECK_VIOLATION);
    const { version } = await createMarketplaceItem(db());
    await expectSqlState(
      db().update(schema.itemVersions).set({ reviewStatus: "maybe" as never }).where(eq(schema.itemVersions.id, version.id)),
      CHECK_VIOLATION,
    );
  });

  it("requires a reason exactly when a version is rejected", async () => {
    const { version } = await createMarketplaceItem(db());
    await expectSqlState(
      db().update(schema.itemVersions).set({ reviewStatus: "rejected" }).where(eq(schema.itemVersions.id, version.id)),
      CHECK_VIOLATION,
    );
    await db()
      .update(schema.itemVersions)
      .set({ reviewStatus: "rejected", rejectionReason: "Missing description" })
      .where(eq(schema.itemVersions.id, version.id));
  });
});

describe("ownership", () => {
  it("keeps owner_type, owner_id and workspace_id consistent", async () => {
    const { workspace } = await createWorkspace(db());
    // A marketplace row belongs to no workspace.
    await expectSqlState(
      db().insert(schema.items).values({ type: "agent", ...named(uniqueToken()), ownerType: "marketplace", workspaceId: workspace.id, ownerId: workspace.id, ...system }),
      CHECK_VIOLATION,
    );
    // A workspace row's owner_id is its workspace.
    await expectSqlState(
      db().insert(schema.items).values({ type: "agent", ...named(uniqueToken()), workspaceId: workspace.id, ownerId: "someone-else", ...system }),
      CHECK_VIOLATION,
    );
  });

  it("records who wrote a row: a user or key id, or the system with none", async () => {
    const { workspace } = await createWorkspace(db());
    await expectSqlState(
      db().insert(schema.items).values({ type: "agent", ...named(uniqueToken()), workspaceId: workspace.id, ownerId: workspace.id, actorType: "user" }),
      CHECK_VIOLATION,
    );
  });
});

describe("typed links between items", () => {
  it("links an agent to a skill, and refuses an agent as a skill", async () => {
    const { workspace } = await createWorkspace(db());
    const agent = await createWorkspaceItem(db(), workspace.id, { type: "agent" });
    const skill = await createWorkspaceItem(db(), workspace.id, { type: "skill" });
    const otherAgent = await createWorkspaceItem(db(), workspace.id, { type: "agent" });
    await db().insert(schema.agentSkills).values({ agentId: agent.id, skillId: skill.id });
    await expectSqlState(db().insert(schema.agentSkills).values({ agentId: agent.id, skillId: otherAgent.id }), FOREIGN_KEY_VIOLATION);
    await expectSqlState(db().insert(schema.agentSkills).values({ agentId: skill.id, skillId: skill.id }), FOREIGN_KEY_VIOLATION);
  });
});

describe("names", () => {
  it("makes workspace item names unique per workspace and type, ignoring case", async () => {
    const { workspace } = await createWorkspace(db());
    const { workspace: other } = await createWorkspace(db());
    const name = `Agent ${uniqueToken()}`;
    await createWorkspaceItem(db(), workspace.id, { name });
    await expectSqlState(createWorkspaceItem(db(), workspace.id, { name: name.toUpperCase() }), UNIQUE_VIOLATION);
    await createWorkspaceItem(db(), workspace.id, { name, type: "recipe" });
    await createWorkspaceItem(db(), other.id, { name });
  });

  it("makes marketplace names unique per type, ignoring case, and keeps a removed item's name reserved", async () => {
    const { workspace } = await createWorkspace(db());
    const name = `Listed ${uniqueToken()}`;
    const { item } = await createMarketplaceItem(db(), { name, publisherWorkspaceId: workspace.id });
    await expectSqlState(createMarketplaceItem(db(), { name: name.toLowerCase() }), UNIQUE_VIOLATION);
    await createMarketplaceItem(db(), { name, type: "skill" });

    // Soft delete as design.md §5 describes: the row returns to its publisher.
    await db()
      .update(schema.items)
      .set({ ownerType: "workspace", workspaceId: workspace.id, ownerId: workspace.id, isApproved: false, removedAt: new Date() })
      .where(eq(schema.items.id, item.id));
    await expectSqlState(createMarketplaceItem(db(), { name }), UNIQUE_VIOLATION);
    // ...without blocking the publisher's own workspace item of that name.
    await createWorkspaceItem(db(), workspace.id, { name });
  });
});

describe("versions", () => {
  it("accepts only semver and never the same number twice for an item", async () => {
    const { item } = await createMarketplaceItem(db());
    const version = (v: string) => ({ itemId: item.id, version: v, content: {}, contentSha256: "c".repeat(64), ...system });
    await expectSqlState(db().insert(schema.itemVersions).values(version("1.0")), CHECK_VIOLATION);
    await expectSqlState(db().insert(schema.itemVersions).values(version("1.0.0")), UNIQUE_VIOLATION);
    await db().insert(schema.itemVersions).values(version("1.1.0-beta.1"));
  });
});

describe("categories", () => {
  it("keeps marketplace_category equal to the referenced category's name, renames included", async () => {
    const category = await createCategory(db());
    await expectSqlState(
      db().insert(schema.items).values({ type: "agent", ...named(uniqueToken()), ownerType: "marketplace", categoryId: category.id, marketplaceCategory: "Something else", ...system }),
      FOREIGN_KEY_VIOLATION,
    );
    const { item } = await createMarketplaceItem(db(), { category });
    const renamed = `Renamed ${uniqueToken()}`;
    await db().update(schema.categories).set({ name: renamed }).where(eq(schema.categories.id, category.id));
    const [row] = await db().select().from(schema.items).where(eq(schema.items.id, item.id));
    expect(row!.marketplaceCategory).toBe(renamed);
  });
});

describe("search columns", () => {
  it("maintains a weighted tsvector over name, description and tags", async () => {
    const token = uniqueToken("kw");
    const { item } = await createMarketplaceItem(db(), { name: `Helper ${token}`, tags: ["zebra-tag"] });
    const byName = await db()
      .select({ id: schema.items.id })
      .from(schema.items)
      .where(and(eq(schema.items.id, item.id), sql`${schema.items.search} @@ plainto_tsquery('simple', ${token})`));
    expect(byName).toHaveLength(1);
    const byTag = await db()
      .select({ id: schema.items.id })
      .from(schema.items)
      .where(and(eq(schema.items.id, item.id), sql`${schema.items.search} @@ plainto_tsquery('simple', 'zebra-tag')`));
    expect(byTag).toHaveLength(1);
  });

  it("has pg_trgm for typo-tolerant name matching", async () => {
    const result = await db().execute<{ score: number }>(sql`select similarity('support concierge', 'suport concierge') as score`);
    expect(Number(result.rows[0]!.score)).toBeGreaterThan(0.5);
  });
});

describe("schema conventions", () => {
  it("stores every timestamp with a time zone", async () => {
    const result = await db().execute<{ table_name: string; column_name: string }>(sql`
      select table_name, column_name from information_schema.columns
      where table_schema = 'public' and data_type = 'timestamp without time zone'`);
    expect(result.rows).toEqual([]);
  });

  it("indexes every catalog filter and sort, and search", async () => {
    const result = await db().execute<{ indexname: string }>(sql`select indexname from pg_indexes where tablename = 'items'`);
    const names = result.rows.map((r) => r.indexname);
    expect(names).toEqual(
      expect.arrayContaining([
        "items_owner_approval_popular_idx",
        "items_marketplace_type_popular_idx",
        "items_marketplace_category_popular_idx",
        "items_marketplace_featured_idx",
        "items_marketplace_newest_idx",
        "items_search_idx",
        "items_name_trgm_idx",
        "items_tags_idx",
      ]),
    );
  });
});
