import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { rowsOf, type Queryable } from "../client";
import { marketplacePlugins, pluginCategories, pluginSecurityScans, pluginVersions } from "../schema";
import { REVIEW_STATUSES, VISIBLE_STATUSES } from "../../domain/version-status";
import type { ParsedSearch } from "../../domain/search-query";
import type { CursorKey } from "../../lib/cursor";
import { afterKey, cursorKeyOf } from "./keyset";
import { pluginSearch } from "./plugin-search";

/** Read side of the plugin marketplace (issue 15 item 1); moderation writes live in queries/plugins.ts. */

export type PluginSort = "popular" | "newest" | "name" | "relevance";
/** A plugin's status is one of its versions' review statuses (see `approvalStatusOf`). */
export type PluginApprovalStatus = (typeof REVIEW_STATUSES)[number];

export interface PluginFilter {
  categoryId?: string;
  /** A category slug (the original frontend's filter); unknown slugs match nothing. */
  categorySlug?: string;
  /** Lower-case; every tag must be present (plugin tags are compared lower-cased). */
  tags?: string[];
  /** The raw query, or one already parsed (a typo-tolerant retry: src/services/search-retry.ts). */
  search?: string | ParsedSearch;
  /** Platform admins: every plugin, optionally narrowed by its approval status. Others: visible plugins only. */
  admin: boolean;
  approvalStatus?: PluginApprovalStatus;
}

const p = marketplacePlugins;

const visibleStatuses = sql.join(VISIBLE_STATUSES.map((s) => sql`${s}`), sql`, `);

/**
 * What every non-admin may see (design.md §34): an active plugin with some approved version whose
 * status is active, deprecated or yanked. A plugin whose only approved versions are quarantined or
 * revoked is hidden until one is released; one whose versions are all yanked stays visible (with
 * `installable: false`).
 */
export const visiblePlugin = sql`(${p.isActive} and exists (
  select 1 from plugin_versions pv where pv.plugin_id = ${p.id} and pv.approval_status = 'approved' and pv.status in (${visibleStatuses})))`;

/**
 * A plugin's approval status, derived from its versions: `approved` once any version is approved
 * (whatever its status since), else `pending` while a version awaits review, else `rejected`.
 */
const approvalStatusOf = sql<PluginApprovalStatus>`case
  when exists (select 1 from plugin_versions pv where pv.plugin_id = ${p.id} and pv.approval_status = 'approved') then 'approved'
  when exists (select 1 from plugin_versions pv where pv.plugin_id = ${p.id} and pv.approval_status = 'pending') then 'pending'
  else 'rejected' end`;

/**
 * Semver precedence of `pv.version` in SQL, for the one place a version is chosen here rather than
 * in src/domain/releases.ts: major.minor.patch as numbers (numeric, so no number overflows), a
 * stable version above its pre-releases; pre-releases of the same core by upload time.
 */
const precedenceDesc = sql`string_to_array(split_part(split_part(pv.version, '+', 1), '-', 1), '.')::numeric[] desc,
  (strpos(split_part(pv.version, '+', 1), '-') = 0) desc, pv.created_at desc, pv.id desc`;

/**
 * The version a plugin is shown with: the listed one (`latest_version_id`, kept by approval and
 * the status service), else the highest approved yanked one (design.md §34: a plugin whose
 * versions are all yanked still shows its version), else (admins only: non-admins never see a
 * plugin without one of these) the newest upload.
 */
const shownVersion = sql`${pluginVersions.id} = coalesce(${p.latestVersionId},
  (select pv.id from plugin_versions pv where pv.plugin_id = ${p.id} and pv.approval_status = 'approved' and pv.status = 'yanked' order by ${precedenceDesc} limit 1),
  (select pv.id from plugin_versions pv where pv.plugin_id = ${p.id} order by pv.created_at desc, pv.id desc limit 1))`;

function whereOf(filter: PluginFilter): SQL {
  const conditions: SQL[] = [];
  if (!filter.admin) conditions.push(visiblePlugin);
  else if (filter.approvalStatus) conditions.push(sql`${approvalStatusOf} = ${filter.approvalStatus}`);
  if (filter.categoryId) conditions.push(eq(p.categoryId, filter.categoryId));
  if (filter.categorySlug) {
    conditions.push(sql`${p.categoryId} = (select pc.id from plugin_categories pc where pc.slug = ${filter.categorySlug})`);
  }
  if (filter.tags?.length) {
    conditions.push(sql`(select coalesce(jsonb_agg(lower(t)), '[]'::jsonb) from jsonb_array_elements_text(${p.tags}) t) @> ${JSON.stringify(filter.tags)}::jsonb`);
  }
  if (filter.search) conditions.push(pluginSearch(filter.search).match);
  return conditions.length ? and(...conditions)! : sql`true`;
}

function orderOf(sort: PluginSort, search: string | ParsedSearch | undefined): SQL[] {
  const popular = [desc(p.enableCount), asc(p.id)];
  switch (sort) {
    case "newest":
      return [desc(p.createdAt), asc(p.id)];
    case "name":
      return [sql`lower(${p.name})`, asc(p.id)];
    case "relevance":
      return search ? [...pluginSearch(search).rank, ...popular] : popular;
    default:
      return popular;
  }
}

const summaryColumns = {
  id: p.id,
  slug: p.slug,
  name: p.name,
  description: p.description,
  categoryId: p.categoryId,
  categoryName: pluginCategories.name,
  tags: p.tags,
  originalAuthor: p.originalAuthor,
  license: p.license,
  enableCount: p.enableCount,
  isFeatured: p.isFeatured,
  isActive: p.isActive,
  // Active with a listed version (design.md §34): what enabling would pin.
  installable: sql<boolean>`(${p.isActive} and ${p.latestVersionId} is not null)`,
  approvalStatus: approvalStatusOf,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
  versionId: pluginVersions.id,
  version: pluginVersions.version,
  skillsCount: pluginVersions.skillsCount,
  commandsCount: pluginVersions.commandsCount,
  agentsCount: pluginVersions.agentsCount,
  hooksCount: pluginVersions.hooksCount,
  toolsCount: sql<number>`coalesce(jsonb_array_length(${pluginVersions.manifest} -> 'contents' -> 'tools'), 0)`.mapWith(Number),
  tokenEstimate: pluginVersions.tokenEstimate,
  securityStatus: pluginVersions.securityStatus,
};

export type PluginSummaryRow = Omit<Awaited<ReturnType<typeof listPluginRows>>[number], "cursorKey">;

/**
 * A page of plugins in `sort`'s order; `page.after` (a cursor's key, sort newest or name only,
 * design.md §51) starts after that key instead of at the offset. Each row carries its `cursorKey`.
 */
export function listPluginRows(db: Queryable, filter: PluginFilter, sort: PluginSort, page: { limit: number; offset: number; after?: CursorKey }) {
  const after = page.after && (sort === "newest" || sort === "name") ? afterKey(sort, pluginKeysetColumns, page.after) : undefined;
  return db
    .select({ ...summaryColumns, cursorKey: cursorKeyOf(sort, pluginKeysetColumns) })
    .from(p)
    .leftJoin(pluginVersions, shownVersion)
    .leftJoin(pluginCategories, eq(pluginCategories.id, p.categoryId))
    .where(after ? and(whereOf(filter), after) : whereOf(filter))
    .orderBy(...orderOf(sort, filter.search))
    .limit(page.limit)
    .offset(after ? 0 : page.offset);
}

const pluginKeysetColumns = { createdAt: p.createdAt, name: p.name, id: p.id };

/**
 * Counts matches exactly up to `cap` (scanning at most cap + 1 rows), else the planner's estimate,
 * as the item catalog does (design.md §15).
 */
export async function countPlugins(db: Queryable, filter: PluginFilter, cap: number): Promise<{ total: number; exact: boolean }> {
  const where = whereOf(filter);
  const [counted] = await rowsOf<{ n: string | number }>(db, sql`select count(*) as n from (select 1 from ${p} where ${where} limit ${cap + 1}) as bounded`);
  const bounded = Number(counted?.n ?? 0);
  if (bounded <= cap) return { total: bounded, exact: true };
  const [plan] = await rowsOf<{ "QUERY PLAN": unknown }>(db, sql`explain (format json) select 1 from ${p} where ${where}`);
  const raw = plan?.["QUERY PLAN"];
  const parsed = (typeof raw === "string" ? JSON.parse(raw) : raw) as Array<{ Plan: { "Plan Rows": number } }>;
  return { total: Math.max(cap + 1, Math.round(parsed[0]?.Plan["Plan Rows"] ?? cap + 1)), exact: false };
}

/** One plugin with its shown version's manifest and details; non-admins find only visible plugins. */
export async function findPluginForDetail(db: Queryable, id: string, admin: boolean) {
  const [row] = await db
    .select({
      ...summaryColumns,
      longDescription: p.longDescription,
      sourceType: p.sourceType,
      sourceUrl: p.sourceUrl,
      manifest: pluginVersions.manifest,
      recommendedModels: pluginVersions.recommendedModels,
      permissions: pluginVersions.permissions,
      permissionsHash: pluginVersions.permissionsHash,
    })
    .from(p)
    .leftJoin(pluginVersions, shownVersion)
    .leftJoin(pluginCategories, eq(pluginCategories.id, p.categoryId))
    .where(admin ? eq(p.id, id) : and(eq(p.id, id), visiblePlugin))
    .limit(1);
  return row;
}

/**
 * A plugin's versions, newest upload first. Non-admins get approved versions whose status is
 * active, deprecated or yanked only: quarantined and revoked versions are absent (design.md §35).
 */
export function pluginVersionHistory(db: Queryable, pluginId: string, admin: boolean) {
  const conditions = [eq(pluginVersions.pluginId, pluginId)];
  if (!admin) conditions.push(eq(pluginVersions.approvalStatus, "approved"), inArray(pluginVersions.status, [...VISIBLE_STATUSES]));
  return db
    .select({
      version: pluginVersions.version,
      changelog: pluginVersions.changelog,
      permissions: pluginVersions.permissions,
      permissionsHash: pluginVersions.permissionsHash,
      status: pluginVersions.status,
      statusMessage: pluginVersions.statusMessage,
      replacementItemId: pluginVersions.replacementItemId,
      approvalStatus: pluginVersions.approvalStatus,
      securityStatus: pluginVersions.securityStatus,
      approvedAt: pluginVersions.approvedAt,
      createdAt: pluginVersions.createdAt,
    })
    .from(pluginVersions)
    .where(and(...conditions))
    .orderBy(desc(pluginVersions.createdAt), desc(pluginVersions.id));
}

/** The newest scan of one version: its verdict and when. */
export async function latestVerdictOf(db: Queryable, versionId: string) {
  const [row] = await db
    .select({ verdict: pluginSecurityScans.overallVerdict, scannedAt: pluginSecurityScans.scannedAt, staticFindings: pluginSecurityScans.staticFindings })
    .from(pluginSecurityScans)
    .where(eq(pluginSecurityScans.pluginVersionId, versionId))
    .orderBy(desc(pluginSecurityScans.scannedAt), desc(pluginSecurityScans.id))
    .limit(1);
  return row;
}

/** Every plugin category in display order, with how many visible plugins it holds (one grouped query). */
export function pluginCategoriesWithCounts(db: Queryable) {
  return db
    .select({
      id: pluginCategories.id,
      slug: pluginCategories.slug,
      name: pluginCategories.name,
      description: pluginCategories.description,
      icon: pluginCategories.icon,
      sortOrder: pluginCategories.sortOrder,
      parentId: pluginCategories.parentId,
      pluginCount: sql<number>`count(${p.id})::int`.mapWith(Number),
    })
    .from(pluginCategories)
    .leftJoin(p, and(eq(p.categoryId, pluginCategories.id), visiblePlugin))
    .groupBy(pluginCategories.id)
    .orderBy(asc(pluginCategories.sortOrder), asc(pluginCategories.name), asc(pluginCategories.id));
}
