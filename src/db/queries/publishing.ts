import { and, asc, desc, eq, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "../client";
import { nameSkeleton } from "../../domain/names";
import { withNormalizedName } from "./item-values";
import { auditLog, categories, items, itemVersions, recipeRecommendedAgents, workspaces } from "../schema";

export type VersionRow = typeof itemVersions.$inferSelect;

/** The marketplace item (listed or removed) published from this workspace item, locked for the submission. */
export async function lockPublishedFromSource(db: Queryable, publisherWorkspaceId: string, sourceItemId: string) {
  const [row] = await db
    .select()
    .from(items)
    .where(
      and(
        eq(items.publisherWorkspaceId, publisherWorkspaceId),
        eq(items.sourceItemId, sourceItemId),
        sql`(${items.ownerType} = 'marketplace' or ${items.removedAt} is not null)`,
      ),
    )
    .for("update")
    .limit(1);
  return row;
}

/** A marketplace item locked for moderation; removed items are not marketplace items any more. */
export async function lockMarketplaceItem(db: Queryable, id: string) {
  const [row] = await db.select().from(items).where(and(eq(items.id, id), sql`${items.ownerType} = 'marketplace'`)).for("update").limit(1);
  return row;
}

export function versionsOfItem(db: Queryable, itemId: string) {
  return db.select().from(itemVersions).where(eq(itemVersions.itemId, itemId)).orderBy(asc(itemVersions.createdAt));
}

export async function insertVersion(db: Queryable, values: typeof itemVersions.$inferInsert): Promise<VersionRow> {
  const [row] = await db.insert(itemVersions).values(values).returning();
  return row!;
}

export async function reviewVersion(
  db: Queryable,
  id: string,
  review: { status: "approved" | "rejected"; reason?: string; reviewerId: string },
): Promise<VersionRow> {
  const [row] = await db
    .update(itemVersions)
    .set({ reviewStatus: review.status, rejectionReason: review.reason ?? null, reviewedByUserId: review.reviewerId, reviewedAt: sql`now()` })
    .where(eq(itemVersions.id, id))
    .returning();
  return row!;
}

export async function updateMarketplaceItem(db: Queryable, id: string, values: Partial<typeof items.$inferInsert>) {
  const [row] = await db.update(items).set({ ...withNormalizedName(values), updatedAt: sql`now()` }).where(eq(items.id, id)).returning();
  return row!;
}

export async function replaceRecommendedAgents(db: Queryable, recipeId: string, agentIds: string[]) {
  await db.delete(recipeRecommendedAgents).where(eq(recipeRecommendedAgents.recipeId, recipeId));
  if (agentIds.length) await db.insert(recipeRecommendedAgents).values(agentIds.map((agentId, position) => ({ recipeId, agentId, position })));
}

/**
 * The item holding a marketplace name (listed, pending, or reserved by a removed item): the one whose
 * look-alike skeleton (src/domain/names.ts) equals the name's, within the type. The unique index
 * items_marketplace_name_key decides; this only finds whom to name in the 409.
 */
export async function marketplaceNameHolder(db: Queryable, type: string, name: string, exceptId?: string) {
  const [row] = await db
    .select({ id: items.id, name: items.name })
    .from(items)
    .where(
      and(
        eq(items.type, type),
        eq(items.nameSkeleton, nameSkeleton(name)),
        sql`(${items.ownerType} = 'marketplace' or ${items.removedAt} is not null)`,
        exceptId ? sql`${items.id} <> ${exceptId}` : undefined,
      ),
    )
    .limit(1);
  return row;
}

export async function findCategoryRef(db: Queryable, slugOrName: string) {
  const [row] = await db
    .select({ id: categories.id, name: categories.name })
    .from(categories)
    .where(sql`${categories.slug} = lower(${slugOrName}) or lower(${categories.name}) = lower(${slugOrName})`)
    .limit(1);
  return row;
}

const submissionColumns = {
  submissionId: itemVersions.id,
  itemId: items.id,
  type: items.type,
  name: sql<string>`coalesce(${itemVersions.content} ->> 'name', ${items.name})`,
  version: itemVersions.version,
  changelog: itemVersions.changelog,
  status: itemVersions.reviewStatus,
  versionStatus: itemVersions.status,
  statusMessage: itemVersions.statusMessage,
  rejectionReason: itemVersions.rejectionReason,
  submittedAt: itemVersions.createdAt,
  reviewedAt: itemVersions.reviewedAt,
  itemApproved: items.isApproved,
  removedAt: items.removedAt,
  publisher: workspaces.name,
};

function submissions(db: Queryable, where: SQL, order: SQL[], page: { limit: number; offset: number }) {
  return db
    .select(submissionColumns)
    .from(itemVersions)
    .innerJoin(items, eq(items.id, itemVersions.itemId))
    .leftJoin(workspaces, eq(workspaces.id, items.publisherWorkspaceId))
    .where(where)
    .orderBy(...order)
    .limit(page.limit)
    .offset(page.offset);
}

async function countSubmissions(db: Queryable, where: SQL): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(itemVersions)
    .innerJoin(items, eq(items.id, itemVersions.itemId))
    .where(where);
  return Number(row?.n ?? 0);
}

/** The review queue: pending versions of listed items, oldest first. */
export async function pendingQueue(db: Queryable, page: { limit: number; offset: number }) {
  const where = sql`${itemVersions.reviewStatus} = 'pending' and ${items.ownerType} = 'marketplace'`;
  const [rows, total] = await Promise.all([
    submissions(db, where, [asc(itemVersions.createdAt), asc(itemVersions.id)], page),
    countSubmissions(db, where),
  ]);
  return { rows, total };
}

/** Everything a workspace has submitted, newest first. */
export async function submissionsOfWorkspace(db: Queryable, workspaceId: string, page: { limit: number; offset: number }) {
  const where = eq(items.publisherWorkspaceId, workspaceId);
  const [rows, total] = await Promise.all([
    submissions(db, where, [desc(itemVersions.createdAt), desc(itemVersions.id)], page),
    countSubmissions(db, where),
  ]);
  return { rows, total };
}

export async function insertAudit(db: Queryable, values: typeof auditLog.$inferInsert) {
  await db.insert(auditLog).values(values);
}

export async function listAudit(
  db: Queryable,
  filter: { action?: string; targetId?: string; actorId?: string },
  page: { limit: number; offset: number },
) {
  const where = and(
    filter.action ? eq(auditLog.action, filter.action) : undefined,
    filter.targetId ? eq(auditLog.targetId, filter.targetId) : undefined,
    filter.actorId ? eq(auditLog.actorId, filter.actorId) : undefined,
  );
  const [rows, [count]] = await Promise.all([
    // Spelled as audit_log_created_idx is (created_at DESC NULLS LAST, id), so the index serves the order.
    db.select().from(auditLog).where(where).orderBy(sql`${auditLog.createdAt} desc nulls last`, asc(auditLog.id)).limit(page.limit).offset(page.offset),
    db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(where),
  ]);
  return { rows, total: Number(count?.n ?? 0) };
}
