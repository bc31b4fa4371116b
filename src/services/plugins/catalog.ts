import { canonicalPermissions } from "../../domain/permissions";
import type { Queryable } from "../../db/client";
import {
  countPlugins,
  findPluginForDetail,
  latestVerdictOf,
  listPluginRows,
  pluginCategoriesWithCounts,
  pluginVersionHistory,
  type PluginApprovalStatus,
  type PluginFilter,
  type PluginSort,
  type PluginSummaryRow,
} from "../../db/queries/plugin-catalog";
import { pluginContents } from "../../domain/plugin-contents";
import { severityCounts, type Finding } from "../../domain/plugin-scan";
import { compareSemver, isPrerelease } from "../../domain/semver";
import { parseSearchQuery } from "../../domain/search-query";
import type { VersionStatus } from "../../domain/version-status";
import { cursorPage, pagingFields, pagingOf, type CursorSort } from "../../lib/cursor";
import { ApiError } from "../../lib/errors";
import { EXACT_TOTAL_CAP, type Viewer } from "../catalog";
import { countWithTypoRetry } from "../search-retry";

/** The plugin marketplace's read side (issue 15 item 1). Writes (upload, moderation) are in upload.ts and moderation.ts. */

export interface PluginListQuery {
  categoryId?: string;
  category?: string;
  search?: string;
  tags?: string[];
  sort?: PluginSort;
  approvalStatus?: PluginApprovalStatus;
  limit: number;
  /** Absent: 0; not with `cursor` (design.md §51). */
  offset?: number;
  /** A `next_cursor` of an earlier page (sort newest or name, no search): keyset paging. */
  cursor?: string;
}

const MESSAGE_SHOWN: readonly VersionStatus[] = ["deprecated", "yanked"];

/**
 * A version's public status message: the notice of a deprecated or yanked version, else null. A
 * quarantine or revoke reason is never shown outside the audit log (design.md §31, §35).
 */
export const shownStatusMessage = (v: { status: VersionStatus; statusMessage: string | null }) => (MESSAGE_SHOWN.includes(v.status) ? v.statusMessage : null);

function toSummary(row: PluginSummaryRow) {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description ?? "",
    version: row.version,
    category_id: row.categoryId,
    category_name: row.categoryName,
    tags: row.tags,
    skills_count: row.skillsCount ?? 0,
    commands_count: row.commandsCount ?? 0,
    agents_count: row.agentsCount ?? 0,
    hooks_count: row.hooksCount ?? 0,
    tools_count: row.toolsCount ?? 0,
    token_estimate: row.tokenEstimate ?? 0,
    enable_count: row.enableCount,
    is_featured: row.isFeatured,
    is_active: row.isActive,
    installable: Boolean(row.installable),
    approval_status: row.approvalStatus,
    security_status: row.securityStatus,
    original_author: row.originalAuthor,
    license: row.license,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/**
 * GET /api/marketplace/plugins. Non-admins see visible plugins only (design.md §34: active, with an
 * approved version that is active, deprecated or yanked), and
 * `approvalStatus` is ignored for them (it can only narrow an admin's view). Default order:
 * relevance when searching, else popular (enable_count); every order ends with the id, so pages
 * are stable. `total` is exact up to 10,000 matches, else an estimate (`total_exact: false`).
 */
export async function listPlugins(db: Queryable, query: PluginListQuery, viewer: Viewer) {
  // Offset pages, or keyset pages by cursor for sort newest and name without search (design.md §51, §54).
  const paging = pagingOf(query, CURSOR_SORTS, query.search ? "relevance" : "popular");
  const page = { limit: paging.limit, offset: paging.offset };
  const base: PluginFilter = {
    categoryId: query.categoryId,
    categorySlug: query.category,
    tags: query.tags,
    admin: viewer.admin,
    approvalStatus: viewer.admin ? query.approvalStatus : undefined,
  };
  const sort = paging.sort;
  if (!query.search) {
    // No search, no retry: page and count side by side. A walkable order reads one row more: it says whether a next page exists.
    const [read, count] = await Promise.all([
      listPluginRows(db, base, sort, paging.withCursor ? { ...page, limit: page.limit + 1, after: paging.after } : page),
      countPlugins(db, base, EXACT_TOTAL_CAP),
    ]);
    const { rows, next_cursor } = paging.withCursor ? cursorPage(read, paging.limit, sort as CursorSort, (row) => [row.cursorKey!, row.id]) : { rows: read, next_cursor: null };
    return { items: rows.map(toSummary), total: count.total, total_exact: count.exact, ...pagingFields(paging, next_cursor) };
  }
  // The item catalog's search semantics, typo retry included (src/services/search-retry.ts); the
  // count first, since an empty count decides the retry and costs no page query.
  const { count, search } = await countWithTypoRetry(parseSearchQuery(query.search), (s) =>
    countPlugins(db, { ...base, search: s }, EXACT_TOTAL_CAP),
  );
  const filter: PluginFilter = { ...base, search };
  const rows = count.total === 0 ? [] : await listPluginRows(db, filter, sort, page);
  return { items: rows.map(toSummary), total: count.total, total_exact: count.exact, ...pagingFields(paging, null) };
}

/** The plugin orders a cursor walks (design.md §51). */
const CURSOR_SORTS = ["newest", "name"] as const;

/**
 * GET /api/marketplace/plugins/{id}: the summary plus the shown version's manifest, its skills,
 * commands, agents and tools, the version history with changelogs and the shown version's newest
 * scan verdict, and the permission manifest with its `permissions_hash` for the shown version and
 * for each entry of `versions[]` (issue 28 item 5: what enabling it asks the workspace to accept).
 * Each version carries its `status` (with `lifecycle`, its deprecated alias) and
 * `status_message`, the latter only for deprecated and yanked versions, but for admins, whose
 * answers are never cached, every version's (a takedown's reason included; design.md §35). Non-admins get approved versions that are active, deprecated
 * or yanked; admins every version, with review and scan state.
 * @throws ApiError 404 plugin_not_found when the plugin does not exist or (non-admins) is not
 *   visible: inactive, or no approved version active, deprecated or yanked (design.md §34).
 */
export async function pluginDetail(db: Queryable, id: string, viewer: Viewer) {
  const row = await findPluginForDetail(db, id, viewer.admin);
  if (!row) throw new ApiError(404, "plugin_not_found", "Plugin not found");
  const [history, scan] = await Promise.all([
    pluginVersionHistory(db, id, viewer.admin),
    row.versionId ? latestVerdictOf(db, row.versionId) : Promise.resolve(undefined),
  ]);
  history.sort((a, b) => compareSemver(b.version, a.version));
  return {
    ...toSummary(row),
    long_description: row.longDescription,
    recommended_models: row.recommendedModels ?? [],
    source_type: row.sourceType,
    source_url: row.sourceUrl,
    manifest: row.manifest,
    // The shown version's permission manifest (design.md §42); null only when no version is shown.
    permissions: row.permissions ? canonicalPermissions(row.permissions) : null,
    permissions_hash: row.permissionsHash,
    ...pluginContents(row.manifest),
    versions: history.map((v) => ({
      version: v.version,
      prerelease: isPrerelease(v.version),
      changelog: v.changelog,
      permissions: canonicalPermissions(v.permissions),
      permissions_hash: v.permissionsHash,
      status: v.status,
      // Admins (never cached: routes/marketplace/respond.ts) also read a takedown's reason.
      status_message: viewer.admin ? v.statusMessage : shownStatusMessage(v),
      lifecycle: v.status,
      created_at: v.createdAt.toISOString(),
      approved_at: v.approvedAt?.toISOString() ?? null,
      ...(viewer.admin ? { approval_status: v.approvalStatus, security_status: v.securityStatus } : {}),
    })),
    scan: scan
      ? {
          version: row.version,
          verdict: scan.verdict,
          scanned_at: scan.scannedAt.toISOString(),
          findings: { total: scan.staticFindings.length, by_severity: severityCounts(scan.staticFindings as Finding[]) },
        }
      : null,
  };
}

/** GET /api/marketplace/plugins/categories: every category in display order, with its visible plugins counted. */
export async function pluginCategories(db: Queryable) {
  return (await pluginCategoriesWithCounts(db)).map((c) => ({
    id: c.id,
    slug: c.slug,
    name: c.name,
    description: c.description,
    icon: c.icon,
    sort_order: c.sortOrder,
    parent_id: c.parentId,
    plugin_count: c.pluginCount,
  }));
}
