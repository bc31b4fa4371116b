import { eq } from "drizzle-orm";
import type { Database } from "../../src/db/client";
import * as schema from "../../src/db/schema";
import { contentSha256 } from "../../src/domain/content-hash";
import { nameSkeleton } from "../../src/domain/names";

/** A short random token; tests put it in names so their rows never collide with another file's. */
export function uniqueToken(prefix = "t"): string {
  return `${prefix}${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}`;
}

export async function createUser(db: Database, overrides: Partial<typeof schema.users.$inferInsert> = {}) {
  const token = uniqueToken("user");
  const [user] = await db
    .insert(schema.users)
    .values({ clerkUserId: `user_${token}`, email: `${token}@example.test`, name: `User ${token}`, ...overrides })
    .returning();
  return user!;
}

/** A workspace with its owner (and any extra members with their roles). */
export async function createWorkspace(db: Database, opts: { owner?: typeof schema.users.$inferSelect; name?: string } = {}) {
  const owner = opts.owner ?? (await createUser(db));
  const slug = uniqueToken("ws");
  const [workspace] = await db
    .insert(schema.workspaces)
    .values({ name: opts.name ?? `Workspace ${slug}`, slug, createdByUserId: owner.id })
    .returning();
  await db.insert(schema.workspaceMembers).values({ workspaceId: workspace!.id, userId: owner.id, role: "owner" });
  return { workspace: workspace!, owner };
}

export async function addMember(db: Database, workspaceId: string, role: (typeof schema.WORKSPACE_ROLES)[number]) {
  const user = await createUser(db);
  await db.insert(schema.workspaceMembers).values({ workspaceId, userId: user.id, role });
  return user;
}

export async function createCategory(db: Database, name = `Category ${uniqueToken()}`) {
  const [category] = await db
    .insert(schema.categories)
    .values({ slug: name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""), name })
    .returning();
  return category!;
}

import type { ItemType } from "../../src/domain/item-types";

export async function createWorkspaceItem(
  db: Database,
  workspaceId: string,
  opts: { type?: ItemType; name?: string; actorId?: string } = {},
) {
  const name = opts.name ?? `Item ${uniqueToken()}`;
  const [item] = await db
    .insert(schema.items)
    .values({
      type: opts.type ?? "agent",
      name,
      nameSkeleton: nameSkeleton(name),
      ownerType: "workspace",
      ownerId: workspaceId,
      workspaceId,
      actorType: opts.actorId ? "user" : "system",
      actorId: opts.actorId ?? null,
    })
    .returning();
  return item!;
}

export interface MarketplaceItemOptions {
  type?: ItemType;
  name?: string;
  description?: string;
  publisherWorkspaceId?: string;
  category?: { id: string; name: string };
  tags?: string[];
  installCount?: number;
  isFeatured?: boolean;
  isApproved?: boolean;
  details?: Record<string, unknown>;
  createdAt?: Date;
}

/** A marketplace row with one version (approved unless `isApproved: false`), as publishing leaves it. */
export async function createMarketplaceItem(db: Database, opts: MarketplaceItemOptions = {}) {
  const type = opts.type ?? "agent";
  const name = opts.name ?? `Market ${uniqueToken()}`;
  let toolId: string | undefined;
  if (type === "tool") {
    const appName = uniqueToken("TOOL").toUpperCase();
    const [tool] = await db
      .insert(schema.toolCatalog)
      .values({ appName, appSlug: appName.toLowerCase(), displayName: name })
      .returning();
    toolId = tool!.id;
  }
  const approved = opts.isApproved ?? true;
  const [item] = await db
    .insert(schema.items)
    .values({
      type,
      name,
      nameSkeleton: nameSkeleton(name),
      description: opts.description ?? "",
      ownerType: "marketplace",
      isApproved: approved,
      isFeatured: opts.isFeatured ?? false,
      installCount: opts.installCount ?? 0,
      publisherWorkspaceId: opts.publisherWorkspaceId,
      categoryId: opts.category?.id,
      marketplaceCategory: opts.category?.name,
      tags: opts.tags ?? [],
      details: opts.details ?? {},
      toolId,
      createdAt: opts.createdAt,
      actorType: "system",
    })
    .returning();
  const content = { name: item!.name, details: item!.details };
  const [version] = await db
    .insert(schema.itemVersions)
    .values({
      itemId: item!.id,
      version: "1.0.0",
      content,
      contentSha256: await contentSha256(content),
      reviewStatus: approved ? "approved" : "pending",
      changelog: "First release.",
      actorType: "system",
    })
    .returning();
  await db.update(schema.items).set({ latestVersionId: version!.id }).where(eq(schema.items.id, item!.id));
  return { item: item!, version: version! };
}

/**
 * Another version of a marketplace item, approved unless told otherwise, with the row's listed
 * fields left as they are (set them through the status service or approval when a test needs the
 * recomputation).
 */
export async function addItemVersion(
  db: Database,
  itemId: string,
  version: string,
  opts: { reviewStatus?: "pending" | "approved" | "rejected"; status?: (typeof schema.itemVersions.$inferInsert)["status"]; content?: Record<string, unknown> } = {},
) {
  const content = opts.content ?? { name: `Version ${version} ${uniqueToken()}`, details: {} };
  const reviewStatus = opts.reviewStatus ?? "approved";
  const [row] = await db
    .insert(schema.itemVersions)
    .values({
      itemId,
      version,
      content,
      contentSha256: await contentSha256(content),
      reviewStatus,
      rejectionReason: reviewStatus === "rejected" ? "Rejected in a test." : null,
      status: opts.status ?? "active",
      changelog: `Release ${version}.`,
      reviewedAt: reviewStatus === "pending" ? null : new Date(),
      actorType: "system",
    })
    .returning();
  return row!;
}
