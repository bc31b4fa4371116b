import type { Queryable } from "../db/client";
import {
  catalogStats,
  categoriesWithCounts,
  countCatalogItems,
  estimateCatalogItems,
  findCatalogItem,
  findCategory,
  listCatalogItems,
  recommendedAgentsOf,
  searchCatalogPage,
  skillsOfAgent,
  toolsByAppNames,
  toolsOfAgents,
  versionsOf,
  visibleItemsByIds,
  type CatalogFilter,
  type CatalogRow,
  type CatalogSort,
} from "../db/queries/catalog";
import type { ParsedSearch } from "../domain/search-query";
import type { ItemType } from "../domain/item-types";
import { parseSearchQuery } from "../domain/search-query";
import { publishedConfig } from "../domain/published-config";
import { compareSemver, isPrerelease } from "../domain/semver";
import { statusNotice } from "../domain/version-notice";
import { cursorPage, pagingFields, pagingOf, type CursorKey, type CursorSort } from "../lib/cursor";
import { publisherActions } from "./reports/views";
import { ApiError } from "../lib/errors";
import { countWithTypoRetry, withTypoRetry } from "./search-retry";

/** Exact totals up to this many matches; an estimate beyond (design.md §15). */
export const EXACT_TOTAL_CAP = 10_000;
/** Tools shown per agent in lists; the detail shows all. */
const LIST_TOOLS_PER_AGENT = 3;
const OAUTH_SCHEMES = new Set(["OAUTH2", "OAUTH1", "OAUTH"]);

export interface CatalogQuery {
  type?: ItemType;
  category?: string;
  search?: string;
  featured?: boolean;
  tags?: string[];
  sort?: CatalogSort;
  limit: number;
  /** Absent: 0; not with `cursor` (design.md §51). */
  offset?: number;
  /** A `next_cursor` of an earlier page (sort newest or name, no search): keyset paging. */
  cursor?: string;
}

export interface Viewer {
  /** Platform admins also see unapproved items, marked as such. */
  admin: boolean;
  /**
   * The publisher's own view (`include=moderation`, design.md §35): the workspace the caller acts
   * in; only an item published from it is found, hidden or not, with every version and its raw
   * status message (a takedown's reason included). Never cached.
   */
  publisherWorkspaceId?: string;
}

interface ToolRef {
  name: string;
  display_name: string;
  icon: string | null;
}

function toPublicItem(row: CatalogRow, tools?: ToolRef[]) {
  return {
    id: row.id,
    type: row.type as ItemType,
    name: row.name,
    description: row.description,
    // The publisher workspace's display name: never a person's e-mail (reference §9.12).
    creator_name: row.creatorName ?? "Unknown",
    icon: row.icon,
    category: row.category,
    category_id: row.categoryId,
    tags: row.tags,
    install_count: row.installCount,
    is_featured: row.isFeatured,
    is_approved: row.isApproved,
    // The listed version, else (nothing installable) the highest yanked one (design.md §34).
    version: row.version,
    // Never a yanked version: null when nothing is installable (design.md §34; Dart-Code#3764).
    listed_version: row.installable ? row.version : null,
    installable: row.installable,
    // Only an item without an approved stable version lists a pre-release (design.md §2).
    listed_prerelease: row.installable && isPrerelease(row.version),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    // Only allow-listed configuration is ever shown (design.md §7).
    metadata: publishedConfig(row.type as ItemType, row.details).config,
    ...(tools ? { tools } : {}),
  };
}

export type PublicItem = ReturnType<typeof toPublicItem>;

async function toolsByAgent(db: Queryable, rows: CatalogRow[], perAgent?: number) {
  const agentIds = rows.filter((r) => r.type === "agent").map((r) => r.id);
  const byAgent = new Map<string, ToolRef[]>(agentIds.map((id) => [id, []]));
  for (const tool of await toolsOfAgents(db, agentIds)) {
    const list = byAgent.get(tool.agentId)!;
    if (perAgent === undefined || list.length < perAgent) {
      list.push({ name: tool.appName, display_name: tool.displayName, icon: tool.logoUrl });
    }
  }
  return byAgent;
}

/**
 * A relevance search's page and total from one statement that reads the matches once
 * (searchCatalogPage); a separate count only for an empty page past the first, and the two-query
 * path (estimated total) when more than EXACT_TOTAL_CAP items match.
 */
async function relevancePage(db: Queryable, filter: CatalogFilter & { search: ParsedSearch }, page: { limit: number; offset: number }) {
  const rows = await searchCatalogPage(db, filter, page, EXACT_TOTAL_CAP);
  const matched = rows[0]?.matchCount;
  if (matched === undefined) {
    // The first page holds the first match if there is one: empty means no match at all.
    const count = page.offset === 0 ? { total: 0, exact: true } : await countCatalogItems(db, filter, EXACT_TOTAL_CAP);
    return { rows: [] as CatalogRow[], count };
  }
  if (matched <= EXACT_TOTAL_CAP) return { rows: rows as CatalogRow[], count: { total: matched, exact: true } };
  // The statement read only cap + 1 of the matches: its candidates were not the most popular of all.
  // Known to be more than the cap: the estimate alone, and the page from a walk by popularity.
  const [pageRows, count] = await Promise.all([
    listCatalogItems(db, filter, "relevance", page, true),
    estimateCatalogItems(db, filter, EXACT_TOTAL_CAP),
  ]);
  return { rows: pageRows, count };
}

/**
 * Any other order. Without a search, page and count run side by side (one round trip's wait); with
 * one, the count first, since an empty count decides the typo retry and costs no page query.
 */
async function otherOrderPage(db: Queryable, base: CatalogFilter, parsed: ParsedSearch | undefined, sort: CatalogSort, page: { limit: number; offset: number; after?: CursorKey }) {
  if (!parsed) {
    const [rows, count] = await Promise.all([listCatalogItems(db, base, sort, page), countCatalogItems(db, base, EXACT_TOTAL_CAP)]);
    return { rows, count };
  }
  const { count, search } = await countWithTypoRetry(parsed, (s) => countCatalogItems(db, { ...base, search: s }, EXACT_TOTAL_CAP));
  const rows = count.total === 0 ? [] : await listCatalogItems(db, { ...base, search }, sort, page);
  return { rows, count };
}

/**
 * GET /api/marketplace/items. Offset pages, or (sort newest or name, no search) keyset pages by
 * `cursor` with `next_cursor` (design.md §51, §54; issue 30 item 3): src/lib/cursor.ts pagingOf says
 * which, and refuses a cursor with offset, search or another order (400 `cursor_unsupported`).
 */
export async function listCatalog(db: Queryable, query: CatalogQuery, viewer: Viewer) {
  const paging = pagingOf(query, CURSOR_SORTS, query.search ? "relevance" : "popular");
  const page = { limit: paging.limit, offset: paging.offset };
  let categoryId: string | undefined;
  if (query.category) {
    const category = await findCategory(db, query.category);
    // An unknown category matches nothing; it is not an error.
    if (!category) return { items: [], total: 0, total_exact: true, ...pagingFields(paging, null) };
    categoryId = category.id;
  }
  const base: CatalogFilter = {
    type: query.type,
    categoryId,
    featured: query.featured,
    tags: query.tags,
    includeUnapproved: viewer.admin,
  };
  const sort = paging.sort;
  // Query semantics (every word, phrases, literals, stop words, typos only when nothing matches as
  // typed): src/domain/search-query.ts.
  const parsed = query.search === undefined ? undefined : parseSearchQuery(query.search);
  const result =
    parsed && sort === "relevance"
      ? await withTypoRetry(parsed, (s) => relevancePage(db, { ...base, search: s ?? parsed }, page))
      : await otherOrderPage(db, base, parsed, sort, paging.withCursor ? { ...page, limit: page.limit + 1, after: paging.after } : page);
  // One row more than the page was read for a walkable order: it says whether a next page exists.
  const { rows, next_cursor } = paging.withCursor
    ? cursorPage(result.rows, paging.limit, sort as CursorSort, (row) => [String((row as { cursorKey?: unknown }).cursorKey), row.id])
    : { rows: result.rows, next_cursor: null };
  const tools = await toolsByAgent(db, rows, LIST_TOOLS_PER_AGENT);
  return {
    items: rows.map((row) => toPublicItem(row, row.type === "agent" ? tools.get(row.id) : undefined)),
    total: result.count.total,
    total_exact: result.count.exact,
    ...pagingFields(paging, next_cursor),
  };
}

/** The catalog orders a cursor walks (design.md §51). */
const CURSOR_SORTS = ["newest", "name"] as const;

export async function featuredCatalog(db: Queryable, limit: number, viewer: Viewer) {
  return listCatalog(db, { featured: true, sort: "popular", limit }, viewer);
}

/** Tool catalog names, display names and icons for app names; an unknown app is assumed to need OAuth. */
export async function toolRefsByName(db: Queryable, names: string[]) {
  if (names.length === 0) return [];
  const upper = names.map((n) => n.toUpperCase());
  const rows = await toolsByAppNames(db, upper);
  return upper.map((name) => {
    const tool = rows.find((r) => r.appName === name);
    return {
      name,
      display_name: tool?.displayName ?? name,
      icon: tool?.logoUrl ?? null,
      // An unknown tool is assumed to need a connection, as the original did.
      oauth_required: tool ? tool.authSchemes.some((s) => OAUTH_SCHEMES.has(s.toUpperCase())) : true,
    };
  });
}

/**
 * Which of the replacement items named by deprecated and yanked versions readers may still follow
 * (visible in the catalog, design.md §34); one query, none when no id is given.
 */
export async function visibleReplacements(db: Queryable, ids: Array<string | null>): Promise<Set<string>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  return new Set((await visibleItemsByIds(db, wanted)).map((r) => r.id));
}

/** A version's replacement item id when readers may follow it, else null. */
export const shownReplacement = (id: string | null, visible: Set<string>) => (id !== null && visible.has(id) ? id : null);

/**
 * The detail with its dependencies and version history (seed: GET /items/{id}). Each version
 * carries its `status`, the publisher's `status_message` and `replacement` (deprecated and yanked
 * only; admins see every version's message, a takedown's reason included) and `deprecation`; for
 * everyone but admins, quarantined and revoked versions (and unreviewed ones) are absent (design.md §35: the shared, cached body never varies by caller). The publisher's
 * view (`viewer.publisherWorkspaceId`) shows every version with its review status and raw message.
 * 404 `item_not_found` for an unknown, removed or (non-admins) hidden item, and in the publisher's
 * view for an item published from another workspace.
 */
export async function catalogItemDetail(db: Queryable, id: string, viewer: Viewer) {
  const publisher = viewer.publisherWorkspaceId !== undefined;
  const row = await findCatalogItem(db, id, viewer.admin || publisher, viewer.publisherWorkspaceId);
  if (!row) throw new ApiError(404, "item_not_found", "Marketplace item not found");
  const item = toPublicItem(row);
  const rows = await versionsOf(db, id, viewer.admin || publisher);
  // Newest by precedence first: a maintenance release sorts below the pre-release submitted before it.
  rows.sort((a, b) => compareSemver(b.version, a.version));
  const replacements = await visibleReplacements(db, rows.map((v) => v.replacementItemId));
  const versions = rows.map((v) => ({
    version: v.version,
    prerelease: isPrerelease(v.version),
    changelog: v.changelog,
    created_at: v.createdAt.toISOString(),
    status: v.status,
    ...statusNotice(v.status, v.statusMessage, shownReplacement(v.replacementItemId, replacements)),
    // The publisher's own view and admins' (never cached: routes/marketplace/respond.ts) also show a
    // takedown's reason (design.md §35: moderation notes; issue 27: the message to everyone who may
    // see the version).
    ...(publisher || viewer.admin ? { status_message: v.statusMessage } : {}),
    // Deprecated alias of `status` (design.md §33), kept for v1 readers.
    lifecycle: v.status,
    ...(viewer.admin || publisher ? { review_status: v.reviewStatus } : {}),
  }));
  let dependencies: Record<string, unknown> = {};
  if (row.type === "agent") {
    const [tools, skills] = await Promise.all([toolsOfAgents(db, [id]), skillsOfAgent(db, id)]);
    dependencies = {
      tools: tools.map((t) => ({
        name: t.appName,
        display_name: t.displayName,
        icon: t.logoUrl,
        description: t.description,
        oauth_required: t.authSchemes.some((s) => OAUTH_SCHEMES.has(s.toUpperCase())),
      })),
      skills: skills.filter((s) => viewer.admin || s.isApproved).map((s) => ({ id: s.id, name: s.name, description: s.description, version: s.version })),
      model: (item.metadata.model_config as Record<string, unknown> | undefined) ?? null,
    };
  } else if (row.type === "recipe") {
    const required = Array.isArray(item.metadata.required_tools) ? (item.metadata.required_tools as unknown[]).filter((t): t is string => typeof t === "string") : [];
    const [tools, agents] = await Promise.all([toolRefsByName(db, required), recommendedAgentsOf(db, id)]);
    dependencies = {
      required_tools: tools,
      recommended_agents: agents.filter((a) => viewer.admin || a.isApproved).map((a) => ({ id: a.id, name: a.name, description: a.description })),
    };
  }
  // The publisher's view also lists each moderation action on its versions, with its note and appeal (issue 29 item 3).
  if (publisher) {
    const actions = (await publisherActions(db, viewer.publisherWorkspaceId!, [id])).get(id) ?? [];
    return { ...item, dependencies, versions, moderation_actions: actions };
  }
  return { ...item, dependencies, versions };
}

export async function catalogCategories(db: Queryable) {
  return (await categoriesWithCounts(db)).map((c) => {
    const counts = c.counts;
    return {
      id: c.id,
      slug: c.slug,
      name: c.name,
      icon: c.icon,
      counts,
      total: Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0),
    };
  });
}

export async function catalogStatistics(db: Queryable) {
  const stats = await catalogStats(db);
  return {
    total_items: stats.totalItems,
    featured_count: stats.featuredCount,
    total_installs: stats.totalInstalls,
    categories: stats.categories,
  };
}
