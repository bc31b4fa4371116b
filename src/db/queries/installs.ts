import { withNormalizedName } from "./item-values";
import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Queryable } from "../client";
import { items, itemVersions, marketplaceInstalls } from "../schema";
import { timestampKey } from "./keyset";

export type InstallRow = typeof marketplaceInstalls.$inferSelect;

/**
 * A marketplace item visible to non-admins (not removed, is_approved: some approved version is
 * active, deprecated or yanked, design.md §34), as install needs it. Whether a version is
 * installable is `latestVersionId` (the listed version or NULL).
 */
export async function findInstallableItem(db: Queryable, id: string) {
  const [row] = await db
    .select()
    .from(items)
    .where(and(eq(items.id, id), sql`${items.ownerType} = 'marketplace'`, sql`${items.isApproved}`))
    .limit(1);
  return row;
}

/**
 * A marketplace item that was not removed, visible or not (every approved version quarantined or
 * revoked hides it from the catalog, yet its installs may still move to a safe version).
 */
export async function findMarketplaceItem(db: Queryable, id: string) {
  const [row] = await db
    .select()
    .from(items)
    .where(and(eq(items.id, id), sql`${items.ownerType} = 'marketplace'`, isNull(items.removedAt)))
    .limit(1);
  return row;
}

/** An approved version of an item by its exact version string. */
export async function findApprovedVersion(db: Queryable, itemId: string, version: string) {
  const [row] = await db
    .select()
    .from(itemVersions)
    .where(and(eq(itemVersions.itemId, itemId), eq(itemVersions.version, version), eq(itemVersions.reviewStatus, "approved")))
    .limit(1);
  return row;
}

/** A version row by id (any review status). */
export async function findVersion(db: Queryable, id: string) {
  const [row] = await db.select().from(itemVersions).where(eq(itemVersions.id, id)).limit(1);
  return row;
}

/** Approved versions of many items (for update detection), without their content. */
export function approvedVersionsOf(db: Queryable, itemIds: string[]) {
  if (!itemIds.length) return Promise.resolve([]);
  return db
    .select({
      id: itemVersions.id,
      itemId: itemVersions.itemId,
      version: itemVersions.version,
      changelog: itemVersions.changelog,
      reviewStatus: itemVersions.reviewStatus,
      status: itemVersions.status,
      statusMessage: itemVersions.statusMessage,
      replacementItemId: itemVersions.replacementItemId,
      approvedAt: itemVersions.reviewedAt,
    })
    .from(itemVersions)
    .where(and(inArray(itemVersions.itemId, itemIds), eq(itemVersions.reviewStatus, "approved")));
}

/**
 * Records the install before the clone exists: the partial unique index
 * marketplace_installs_active_key makes a second live install of the item in the workspace fail
 * here, and a racing transaction waits on the index entry and then fails with a unique violation.
 */
export async function insertInstall(db: Queryable, values: typeof marketplaceInstalls.$inferInsert): Promise<InstallRow> {
  const [row] = await db.insert(marketplaceInstalls).values(values).returning();
  return row!;
}

/** Points an install at its clone (after install) or at a new version (after update). */
export async function setInstall(db: Queryable, id: string, values: Partial<Pick<InstallRow, "cloneId" | "versionId">>) {
  await db.update(marketplaceInstalls).set(values).where(eq(marketplaceInstalls.id, id));
}

/** The workspace's live install of an item, locked for the change about to be made to it. */
export async function lockLiveInstall(db: Queryable, workspaceId: string, itemId: string) {
  const [row] = await db
    .select()
    .from(marketplaceInstalls)
    .where(and(eq(marketplaceInstalls.workspaceId, workspaceId), eq(marketplaceInstalls.itemId, itemId), isNull(marketplaceInstalls.uninstalledAt)))
    .for("update")
    .limit(1);
  return row;
}

/** Ends a live install (uninstall); the row stays as history. */
export async function endInstall(db: Queryable, id: string) {
  await db.update(marketplaceInstalls).set({ uninstalledAt: sql`now()` }).where(eq(marketplaceInstalls.id, id));
}

/**
 * Adds one to the item's `install_count` unless the workspace installed it before (design.md §53:
 * it counts workspaces that ever installed; uninstall rows are kept forever, so an earlier row of
 * the pair is an earlier install). Call it after insertInstall, in the same transaction, with that
 * row's id. Exact under concurrency: the increment is in SQL (concurrent installs from different
 * workspaces each add one), and an earlier row of the same pair cannot be in flight — an
 * uncommitted one is live, so marketplace_installs_active_key made insertInstall wait for it: this
 * install then fails with 409 if it committed, and if it rolled back it never was.
 */
export async function countWorkspaceInstall(db: Queryable, itemId: string, workspaceId: string, installId: string): Promise<void> {
  await db
    .update(items)
    .set({ installCount: sql`${items.installCount} + 1` })
    .where(
      and(
        eq(items.id, itemId),
        sql`not exists (select 1 from ${marketplaceInstalls}
                        where ${marketplaceInstalls.workspaceId} = ${workspaceId} and ${marketplaceInstalls.itemId} = ${itemId}
                          and ${marketplaceInstalls.id} <> ${installId})`,
      ),
    );
}

/** Names of this workspace's items of a type that equal `base` or extend it (the -copy candidates), lower-cased. */
export async function workspaceNamesLike(db: Queryable, workspaceId: string, type: string, base: string): Promise<Set<string>> {
  const lowered = base.toLowerCase();
  const rows = await db
    .select({ name: sql<string>`lower(${items.name})` })
    .from(items)
    .where(
      and(
        eq(items.workspaceId, workspaceId),
        eq(items.type, type),
        sql`${items.ownerType} = 'workspace'`,
        isNull(items.removedAt),
        sql`left(lower(${items.name}), ${lowered.length}) = ${lowered}`,
      ),
    );
  return new Set(rows.map((r) => r.name));
}

/**
 * The workspace's live installs with what the installed list and update detection need: the
 * installed version and its status, whether the item was `removed`, and the clone. An item hidden
 * by a takedown of all its approved versions is not removed: its installs still learn their
 * version's status and safe version.
 */
export function liveInstallsOf(db: Queryable, workspaceId: string, itemId?: string) {
  const clone = alias(items, "clone");
  return db
    .select({
      installId: marketplaceInstalls.id,
      itemId: marketplaceInstalls.itemId,
      cloneId: marketplaceInstalls.cloneId,
      installedAt: marketplaceInstalls.installedAt,
      // The installed list's cursor key (design.md §51): microseconds, which installedAt (a Date) drops.
      installedAtKey: timestampKey(marketplaceInstalls.installedAt),
      installedVersion: itemVersions.version,
      installedStatus: itemVersions.status,
      installedStatusMessage: itemVersions.statusMessage,
      installedReplacementItemId: itemVersions.replacementItemId,
      itemName: items.name,
      itemType: items.type,
      removed: sql<boolean>`(${items.removedAt} is not null or ${items.ownerType} <> 'marketplace')`,
      cloneName: clone.name,
    })
    .from(marketplaceInstalls)
    .innerJoin(items, eq(items.id, marketplaceInstalls.itemId))
    .leftJoin(clone, eq(clone.id, marketplaceInstalls.cloneId))
    .innerJoin(itemVersions, eq(itemVersions.id, marketplaceInstalls.versionId))
    .where(
      and(
        eq(marketplaceInstalls.workspaceId, workspaceId),
        isNull(marketplaceInstalls.uninstalledAt),
        itemId ? eq(marketplaceInstalls.itemId, itemId) : undefined,
      ),
    )
    .orderBy(desc(marketplaceInstalls.installedAt), asc(marketplaceInstalls.id));
}

export type LiveInstall = Awaited<ReturnType<typeof liveInstallsOf>>[number];

/** Approved marketplace items of a type among `ids` (skills an agent links, agents a recipe recommends). */
export function listedItemsByIds(db: Queryable, type: "skill" | "agent", ids: string[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .select({ id: items.id, name: items.name, description: items.description })
    .from(items)
    .where(and(inArray(items.id, ids), eq(items.type, type), sql`${items.ownerType} = 'marketplace'`, sql`${items.isApproved}`));
}

/** The workspace's copy of an installed item, locked for an update. */
export async function lockClone(db: Queryable, workspaceId: string, cloneId: string) {
  const [row] = await db
    .select()
    .from(items)
    .where(and(eq(items.id, cloneId), eq(items.workspaceId, workspaceId), sql`${items.ownerType} = 'workspace'`))
    .for("update")
    .limit(1);
  return row;
}

/**
 * Inserts a workspace item unless a unique index refuses it (for a new row only the workspace
 * name indexes can): undefined then, and the transaction goes on without a savepoint.
 */
export async function insertItemUnlessTaken(db: Queryable, values: Omit<typeof items.$inferInsert, "nameSkeleton">) {
  const [row] = await db.insert(items).values(withNormalizedName(values) as typeof items.$inferInsert).onConflictDoNothing().returning();
  return row;
}
