import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { rowsOf, type Queryable } from "../client";
import { agentAssignedPlugins, items, marketplacePlugins, pluginSecurityScans, pluginVersions, workspaceEnabledPlugins } from "../schema";

export type PluginRow = typeof marketplacePlugins.$inferSelect;
export type PluginVersionRow = typeof pluginVersions.$inferSelect;
export type PluginScanRow = typeof pluginSecurityScans.$inferSelect;

/** Is this slug and version already recorded (whatever its review state)? */
export async function pluginVersionExists(db: Queryable, slug: string, version: string): Promise<boolean> {
  const [row] = await db
    .select({ id: pluginVersions.id })
    .from(pluginVersions)
    .innerJoin(marketplacePlugins, eq(marketplacePlugins.id, pluginVersions.pluginId))
    .where(and(eq(marketplacePlugins.slug, slug), eq(pluginVersions.version, version)))
    .limit(1);
  return Boolean(row);
}

export async function lockPluginBySlug(db: Queryable, slug: string): Promise<PluginRow | undefined> {
  const [row] = await db.select().from(marketplacePlugins).where(eq(marketplacePlugins.slug, slug)).for("update").limit(1);
  return row;
}

export async function lockPlugin(db: Queryable, id: string): Promise<PluginRow | undefined> {
  const [row] = await db.select().from(marketplacePlugins).where(eq(marketplacePlugins.id, id)).for("update").limit(1);
  return row;
}

export async function findPlugin(db: Queryable, id: string): Promise<PluginRow | undefined> {
  const [row] = await db.select().from(marketplacePlugins).where(eq(marketplacePlugins.id, id)).limit(1);
  return row;
}

export async function insertPlugin(db: Queryable, values: typeof marketplacePlugins.$inferInsert): Promise<PluginRow> {
  const [row] = await db.insert(marketplacePlugins).values(values).returning();
  return row!;
}

export async function updatePlugin(db: Queryable, id: string, values: Partial<typeof marketplacePlugins.$inferInsert>): Promise<PluginRow> {
  const [row] = await db.update(marketplacePlugins).set({ ...values, updatedAt: sql`now()` }).where(eq(marketplacePlugins.id, id)).returning();
  return row!;
}

export async function insertPluginVersion(db: Queryable, values: typeof pluginVersions.$inferInsert): Promise<PluginVersionRow> {
  const [row] = await db.insert(pluginVersions).values(values).returning();
  return row!;
}

export async function insertPluginScan(db: Queryable, values: typeof pluginSecurityScans.$inferInsert): Promise<PluginScanRow> {
  const [row] = await db.insert(pluginSecurityScans).values(values).returning();
  return row!;
}

export function versionsOfPlugin(db: Queryable, pluginId: string): Promise<PluginVersionRow[]> {
  return db.select().from(pluginVersions).where(eq(pluginVersions.pluginId, pluginId)).orderBy(asc(pluginVersions.createdAt), asc(pluginVersions.id));
}

export async function reviewPluginVersion(
  db: Queryable,
  id: string,
  review: { status: "approved" | "rejected"; reason?: string; reviewerId: string; actorType: "user" | "api_key"; actorId: string },
): Promise<PluginVersionRow> {
  const [row] = await db
    .update(pluginVersions)
    .set({
      approvalStatus: review.status,
      rejectionReason: review.status === "rejected" ? (review.reason ?? null) : null,
      approvedByUserId: review.status === "approved" ? review.reviewerId : null,
      approvedAt: review.status === "approved" ? sql`now()` : null,
      actorType: review.actorType,
      actorId: review.actorId,
    })
    .where(eq(pluginVersions.id, id))
    .returning();
  return row!;
}

/** The newest scan of a plugin version. */
export async function latestScanOf(db: Queryable, pluginVersionId: string): Promise<PluginScanRow | undefined> {
  const [row] = await db
    .select()
    .from(pluginSecurityScans)
    .where(eq(pluginSecurityScans.pluginVersionId, pluginVersionId))
    .orderBy(sql`${pluginSecurityScans.scannedAt} desc`)
    .limit(1);
  return row;
}

export interface PendingPluginRow {
  plugin_id: string;
  slug: string;
  name: string;
  version_id: string;
  version: string;
  security_status: string;
  created_at: string;
  findings: unknown[] | null;
  total: number;
}

/** Pending plugin versions, oldest first (the review_queue index), with their newest scan's findings. */
export function pendingPluginVersions(db: Queryable, page: { limit: number; offset: number }): Promise<PendingPluginRow[]> {
  return rowsOf<PendingPluginRow>(
    db,
    sql`select p.id as plugin_id, p.slug, p.name, v.id as version_id, v.version, v.security_status, v.created_at,
          s.static_findings as findings, count(*) over ()::int as total
        from ${pluginVersions} v
        join ${marketplacePlugins} p on p.id = v.plugin_id
        left join lateral (
          select static_findings from ${pluginSecurityScans} sc where sc.plugin_version_id = v.id order by sc.scanned_at desc limit 1
        ) s on true
        where v.approval_status = 'pending'
        order by v.created_at asc, v.id asc
        limit ${page.limit} offset ${page.offset}`,
  );
}

/** Removes every workspace enablement and agent assignment of a plugin; returns the counts and the workspaces that had it enabled. */
export async function detachPluginEverywhere(db: Queryable, pluginId: string): Promise<{ workspaces: number; agents: number; workspaceIds: string[] }> {
  const enabled = await db.delete(workspaceEnabledPlugins).where(eq(workspaceEnabledPlugins.pluginId, pluginId)).returning({ id: workspaceEnabledPlugins.workspaceId });
  const assigned = await db.delete(agentAssignedPlugins).where(eq(agentAssignedPlugins.pluginId, pluginId)).returning({ id: agentAssignedPlugins.agentId });
  return { workspaces: enabled.length, agents: assigned.length, workspaceIds: enabled.map((e) => e.id).sort() };
}

/** Marketplace skills materialised from any version of the plugin. */
export function materialisedSkillsOf(db: Queryable, versionIds: string[]) {
  if (versionIds.length === 0) return Promise.resolve([] as Array<{ id: string; name: string }>);
  return db
    .select({ id: items.id, name: items.name })
    .from(items)
    .where(and(eq(items.type, "skill"), inArray(items.sourcePluginVersionId, versionIds)));
}

/** Deletes the plugin and everything under it; returns what detaching it removed. */
export async function deletePluginRows(db: Queryable, pluginId: string) {
  // Enablements pin versions with RESTRICT, so they go first; versions and scans cascade from the plugin.
  const detached = await detachPluginEverywhere(db, pluginId);
  await db.delete(marketplacePlugins).where(eq(marketplacePlugins.id, pluginId));
  return detached;
}

/** A marketplace skill holding this name (case-insensitive), listed or not. */
export async function marketplaceSkillNamed(db: Queryable, name: string) {
  const [row] = await db
    .select({ id: items.id, sourcePluginVersionId: items.sourcePluginVersionId })
    .from(items)
    .where(and(eq(items.type, "skill"), sql`lower(${items.name}) = lower(${name})`, sql`(${items.ownerType} = 'marketplace' or ${items.removedAt} is not null)`))
    .limit(1);
  return row;
}

/** Takes materialised skills out of (or back into) the catalog. */
export async function setSkillsListed(db: Queryable, versionIds: string[], listed: boolean, actor: { actorType: "user" | "api_key"; actorId: string }) {
  if (versionIds.length === 0) return 0;
  const rows = await db
    .update(items)
    .set({ isApproved: listed, isFeatured: false, ...actor, updatedAt: sql`now()` })
    .where(and(eq(items.type, "skill"), sql`${items.ownerType} = 'marketplace'`, inArray(items.sourcePluginVersionId, versionIds)))
    .returning({ id: items.id });
  return rows.length;
}
