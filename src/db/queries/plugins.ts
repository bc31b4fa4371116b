import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { nameSkeleton, normalizeName } from "../../domain/names";
import { cleanTags } from "../../domain/tags";
import { rowsOf, type Queryable } from "../client";
import { agentAssignedPlugins, items, marketplacePlugins, pluginSecurityScans, pluginVersions, toolCatalog, workspaceEnabledPlugins } from "../schema";
import { withNormalizedName } from "./item-values";

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

type PluginWrite = Partial<typeof marketplacePlugins.$inferInsert>;

/**
 * Every write of a plugin's name or tags goes through here (issue 26 item 2), so that
 * `name_skeleton` always belongs to the stored name and both are stored in their normal form
 * (src/domain/names.ts, src/domain/tags.ts), as item-values.ts does for items.
 */
function withPluginName<T extends PluginWrite>(values: T): T {
  const out: T = { ...values };
  if (values.name !== undefined) {
    out.name = normalizeName(values.name);
    out.nameSkeleton = nameSkeleton(out.name);
  }
  if (values.tags !== undefined) out.tags = cleanTags(values.tags);
  return out;
}

/** Inserts a plugin; `name_skeleton` is derived from the name. A look-alike of another plugin's name violates marketplace_plugins_name_skeleton_key. */
export async function insertPlugin(db: Queryable, values: Omit<typeof marketplacePlugins.$inferInsert, "nameSkeleton">): Promise<PluginRow> {
  const [row] = await db
    .insert(marketplacePlugins)
    .values(withPluginName({ ...values, nameSkeleton: "" }))
    .returning();
  return row!;
}

export async function updatePlugin(db: Queryable, id: string, values: Omit<PluginWrite, "nameSkeleton">): Promise<PluginRow> {
  const [row] = await db.update(marketplacePlugins).set({ ...withPluginName(values), updatedAt: sql`now()` }).where(eq(marketplacePlugins.id, id)).returning();
  return row!;
}

/**
 * The plugin holding a name: the one whose look-alike skeleton (src/domain/names.ts) equals the
 * name's, other than `exceptId`. The unique index marketplace_plugins_name_skeleton_key decides;
 * this finds whom to name in a 409, or lets a caller keep a name instead of failing.
 */
export async function pluginNameHolder(db: Queryable, name: string, exceptId?: string): Promise<{ id: string; slug: string; name: string } | undefined> {
  const [row] = await db
    .select({ id: marketplacePlugins.id, slug: marketplacePlugins.slug, name: marketplacePlugins.name })
    .from(marketplacePlugins)
    .where(and(eq(marketplacePlugins.nameSkeleton, nameSkeleton(name)), exceptId ? sql`${marketplacePlugins.id} <> ${exceptId}` : undefined))
    .limit(1);
  return row;
}

export async function insertPluginVersion(db: Queryable, values: typeof pluginVersions.$inferInsert): Promise<PluginVersionRow> {
  const [row] = await db.insert(pluginVersions).values(values).returning();
  return row!;
}

/** Which of these tool slugs the tool catalog does not hold (`tool_catalog.app_slug`), in the order given. */
export async function unknownToolSlugs(db: Queryable, slugs: readonly string[]): Promise<string[]> {
  if (!slugs.length) return [];
  const rows = await db.select({ slug: toolCatalog.appSlug }).from(toolCatalog).where(inArray(toolCatalog.appSlug, [...slugs]));
  const known = new Set(rows.map((r) => r.slug));
  return slugs.filter((s) => !known.has(s));
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

/**
 * The marketplace skill holding this name or a look-alike of it (the skeleton the unique index
 * items_marketplace_name_key compares, src/domain/names.ts), listed or not, removed ones included.
 */
export async function marketplaceSkillNamed(db: Queryable, name: string) {
  const [row] = await db
    .select({ id: items.id, name: items.name, sourcePluginVersionId: items.sourcePluginVersionId })
    .from(items)
    .where(and(eq(items.type, "skill"), eq(items.nameSkeleton, nameSkeleton(name)), sql`(${items.ownerType} = 'marketplace' or ${items.removedAt} is not null)`))
    .limit(1);
  return row;
}

/**
 * Inserts a marketplace skill unless a unique index refuses it (a concurrent look-alike name):
 * undefined then, and the caller's transaction goes on, as no statement failed.
 */
export async function insertSkillUnlessTaken(db: Queryable, values: Omit<typeof items.$inferInsert, "nameSkeleton">) {
  const [row] = await db.insert(items).values(withNormalizedName(values) as typeof items.$inferInsert).onConflictDoNothing().returning();
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
