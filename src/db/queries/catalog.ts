import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { ParsedSearch } from "../../domain/search-query";
import { rowsOf, type Queryable } from "../client";
import {
  agentSkills,
  agentToolAssignments,
  categories,
  items,
  itemVersions,
  recipeRecommendedAgents,
  searchLexemes,
  toolCatalog,
  workspaces,
} from "../schema";
import type { ItemType } from "../../domain/item-types";
import { VISIBLE_STATUSES } from "../../domain/version-status";
import type { CursorKey } from "../../lib/cursor";
import { afterKey, cursorKeyOf } from "./keyset";
import { allInName, searchCondition, searchRanking, searchRankingKeys, searchTiers, type SearchColumns } from "./search";

export type CatalogSort = "popular" | "newest" | "name" | "relevance";

export interface CatalogFilter {
  type?: ItemType;
  /** A category id, resolved from the slug or name the caller gave. */
  categoryId?: string;
  featured?: boolean;
  /** Every tag must be present. */
  tags?: string[];
  /** Parsed by src/domain/search-query.ts; every term must match. */
  search?: ParsedSearch;
  includeUnapproved: boolean;
}

/** items.search is the generated tsvector (name A, description B, tags C, each folded by search_fold) with a GIN index; search_fold(name) has a trigram GIN and a prefix btree. */
const itemSearchColumns: SearchColumns = { document: sql`${items.search}`, lowerName: sql`search_fold(${items.name})`, lexicon: sql`${searchLexemes}` };
/**
 * The same search without the lexicon, for the planner's row estimate only (estimateCatalogItems): its
 * tsqueries are constants, which the planner reads the GIN statistics for; an expanded prefix is
 * known only when the statement runs, so the planner would guess.
 */
const itemEstimateColumns: SearchColumns = { document: itemSearchColumns.document, lowerName: itemSearchColumns.lowerName };

/**
 * The filter's conditions. `searchAsFilter` makes the search condition a per-row filter the GIN
 * indexes cannot serve, for a scan another index bounds better (searchPageIds' name prefix tier and
 * popularity walk), where the planner would otherwise AND in a GIN bitmap of every match. Written
 * `coalesce(…, false)`, which the planner estimates as matching half the rows (it cannot look
 * inside): an expanded prefix is only known at run time, so `… is true` was estimated at 0.5 % and
 * the popularity walk became a sequential scan and a sort of every item (184 ms at 100k).
 */
function whereOf(filter: CatalogFilter, searchAsFilter = false, columns = itemSearchColumns): SQL {
  const conditions: SQL[] = [sql`${items.ownerType} = 'marketplace'`];
  if (!filter.includeUnapproved) conditions.push(sql`${items.isApproved}`);
  if (filter.type) conditions.push(eq(items.type, filter.type));
  if (filter.categoryId) conditions.push(eq(items.categoryId, filter.categoryId));
  if (filter.featured !== undefined) conditions.push(eq(items.isFeatured, filter.featured));
  if (filter.tags?.length) conditions.push(sql`${items.tags} @> ${JSON.stringify(filter.tags)}::jsonb`);
  if (filter.search) {
    const condition = searchCondition(filter.search, columns);
    conditions.push(searchAsFilter ? sql`coalesce((${condition}), false)` : condition);
  }
  return and(...conditions)!;
}

// The list indexes are `install_count DESC NULLS LAST` / `created_at DESC NULLS LAST` (drizzle-kit's
// form of `.desc()`). Plain DESC means NULLS FIRST to the planner, which then cannot walk the index
// and sorts every match instead: spell the order exactly as the index does.
const mostInstalled = sql`${items.installCount} desc nulls last`;
const newestFirst = sql`${items.createdAt} desc nulls last`;

function orderOf(sort: CatalogSort, search: ParsedSearch | undefined): SQL[] {
  switch (sort) {
    case "newest":
      return [newestFirst, asc(items.id)];
    case "name":
      return [sql`lower(${items.name})`, asc(items.id)];
    case "relevance":
      return [...(search ? searchRanking(search, itemSearchColumns) : []), mostInstalled, asc(items.id)];
    default:
      return [mostInstalled, asc(items.id)];
  }
}

export const catalogColumns = {
  id: items.id,
  type: items.type,
  name: items.name,
  description: items.description,
  icon: items.marketplaceIcon,
  categoryId: items.categoryId,
  category: items.marketplaceCategory,
  tags: items.tags,
  installCount: items.installCount,
  isFeatured: items.isFeatured,
  isApproved: items.isApproved,
  version: items.version,
  // A listed version exists (design.md §34): the status service keeps latest_version_id the
  // listed version or NULL, and is_approved equal to "visible".
  installable: sql<boolean>`(${items.isApproved} and ${items.latestVersionId} is not null)`,
  details: items.details,
  createdAt: items.createdAt,
  updatedAt: items.updatedAt,
  creatorName: workspaces.name,
};

export type CatalogRow = Awaited<ReturnType<typeof listCatalogItems>>[number];

/**
 * Rows ranked per search tier (search.ts searchTiers: names starting with the query; then all
 * matches, names holding every term first, then the most installed): this many of each, the same
 * for every page; pages past them go on with the other matches (searchPageIds). Ranking (ts_rank,
 * word similarity) is computed only for them, not for every weak match. The price: when more than
 * this many items match, the ranking covers the best of them by (every term in the name, installs),
 * plus every name starting with the query, not all. 100: with the name test applied to every match (about 1 µs a row), the judged
 * set (test/catalog/search-judgements.ts) holds with the same MRR and precision@5 at 100k items as
 * 250 or 500 by installs alone, which lost "ledger insight" at 100 (the most installed matches there
 * hold the words in tags and descriptions only); ranking costs about 8 µs per candidate.
 */
export const SEARCH_CANDIDATES_PER_TIER = 100;

/** How many names starting with the query the prefix tier reads, per candidate it keeps (searchPageIds). */
const PREFIX_TIER_SCAN_FACTOR = 4;

/**
 * The ids of one page of a relevance search, in the search's one order over all matches: first the
 * ranked candidates, the best rows of each tier (names starting with the query; then the matches,
 * names holding every term first, then the most installed), ordered by the ranking keys computed
 * once per candidate on the row the tier's scan already read; then every other match, names holding
 * every term first, then by installs. The candidates are the same for every page, so pages never
 * repeat or skip a match: when the candidates grew with the page (a block of 100 more past offset
 * 100), better-ranked rows joined them and pushed earlier pages' rows onto later pages (a trial with
 * 288 matches for "triage" saw 236 distinct items). (Selecting candidate ids and ranking them in an
 * outer `id in (…)` query looked every candidate up again by id: 500 index probes per search at 100k
 * items.) `matches` names a relation of every match (tid, id, install_count, in_name: search.ts
 * allInName) already read, which the last tier and the rest take their rows from instead of scanning
 * the matches again (searchCatalogPage).
 */
function searchPageIds(filter: CatalogFilter & { search: ParsedSearch }, page: { limit: number; offset: number }, matches?: SQL, manyMatches = false): SQL {
  const where = whereOf(filter);
  // The name prefix tiers: the btree range of names starting with the query bounds them; each row
  // found is then checked against the search (names starting with the query are few, matches many).
  const prefixWhere = whereOf(filter, true);
  const perTier = SEARCH_CANDIDATES_PER_TIER;
  const reach = page.offset + page.limit;
  const keys = searchRankingKeys(filter.search, itemSearchColumns);
  const inName = allInName(filter.search, itemSearchColumns);
  // A query without terms has no ranking keys (and matches nothing).
  const candidateColumns = sql.join(
    [sql`${items.id}`, sql`${items.installCount}`, ...keys.map((key, i) => sql`${key} as ${sql.raw(`k${i}`)}`)],
    sql`, `,
  );
  // Not the popularity index's order, so the planner gathers matches through the GIN indexes and
  // keeps the top rows in a heap, instead of walking every item by popularity hunting for rare matches.
  const scan = (conditions: SQL) => sql`select ${items.id}, ${items.name}, ${items.search}, ${items.installCount} from ${items}
    where ${conditions} order by ${inName} desc, ${items.installCount} desc, ${items.id} limit ${perTier}`;
  // More than the count's cap match (`manyMatches`): walking the popularity index and checking each row
  // against the search finds the most installed matches after about perTier × items / matches rows
  // (≤ 1,000 at 100k items; by installs alone, this path's one shortcut), where gathering every
  // match first read all of them (838 ms for "synthetic" at 100k, a one-letter prefix as bad: the
  // first keystroke of a search as you type).
  const popularityWalk = () => sql`select ${items.id}, ${items.name}, ${items.search}, ${items.installCount} from ${items}
    where ${prefixWhere} order by ${mostInstalled}, ${items.id} limit ${perTier}`;
  // Names starting with the query: the first PREFIX_TIER_SCAN_FACTOR × perTier of them in the btree's
  // order (an exact name sorts first), then their most installed. Bounded even when most names start
  // with the query (a first keystroke, or a word every name begins with: 166 ms to sort 100k names).
  // It stays on the btree even when every match is at hand (`matches`): filtering the matches by
  // `lower(name) like` costs about 1 µs per match (1.5 ms for two common words at 100k).
  const prefixScan = (tier: SQL) => sql`select * from (select ${items.id}, ${items.name}, ${items.search}, ${items.installCount} from ${items}
    where ${prefixWhere} and ${tier} order by ${itemSearchColumns.lowerName} using ~<~ limit ${perTier * PREFIX_TIER_SCAN_FACTOR}) as ${items}
    order by install_count desc, id limit ${perTier}`;
  const tiers = [
    ...searchTiers(filter.search, itemSearchColumns).map(prefixScan),
    // The matches carry no name or search (about 250 bytes a row, copied into the CTE for every
    // match): the candidates are re-read by the tuple id the same statement saw, a TID scan with no
    // index probe, under the same snapshot, so the very row versions that matched.
    matches
      ? sql`select ${items.id}, ${items.name}, ${items.search}, ${items.installCount} from ${items}
          where ctid = any(array(select tid from ${matches} order by in_name desc, install_count desc, id limit ${perTier}))`
      : manyMatches
        ? popularityWalk()
        : scan(where),
  ];
  const candidates = sql.join(
    // The derived table is named `items` so the ranking keys (written against items' columns) read the candidate rows.
    tiers.map((tier) => sql`(select ${candidateColumns} from (${tier}) as ${items})`),
    sql` union `,
  );
  const rankOrder = sql.raw(`${keys.map((_, i) => `k${i} desc, `).join("")}install_count desc nulls last, id`);
  // A page within the first perTier positions lies among the candidates (the last tier alone
  // holds perTier matches, or every match): the common case, the first pages, ranks nothing else.
  if (reach <= perTier) return sql`select id from (${candidates}) as candidates order by ${rankOrder} limit ${page.limit} offset ${page.offset}`;
  // Past them, the rest of the matches in their tier's order (r0: every term in the name, r1:
  // installs), only as far as the page reaches.
  const notCandidate = sql`${items.id} not in (select id from page_candidates)`;
  const rest = matches
    ? sql`select id, in_name as r0, install_count as r1 from ${matches} where id not in (select id from page_candidates)
        order by in_name desc, install_count desc, id limit ${reach}`
    : manyMatches
      ? sql`select ${items.id}, true as r0, ${items.installCount} as r1 from ${items} where ${prefixWhere} and ${notCandidate}
          order by ${mostInstalled}, ${items.id} limit ${reach}`
      : sql`select ${items.id}, ${inName} as r0, ${items.installCount} as r1 from ${items} where ${where} and ${notCandidate}
          order by r0 desc, r1 desc, ${items.id} limit ${reach}`;
  return sql`with page_candidates as (${candidates})
    select id from (
      select id, row_number() over (order by ${rankOrder}) as position from page_candidates
      union all
      select id, (select count(*) from page_candidates) + row_number() over (order by r0 desc, r1 desc, id) from (${rest}) as rest
    ) as ordered order by position limit ${page.limit} offset ${page.offset}`;
}

/**
 * One page of a relevance search with its bounded count, in one statement that reads the matches
 * once: the matches (at most cap + 1, as boundedCountSql) are counted, and their best rows (names
 * holding every term, then the most installed) are the last candidate tier. (A separate count read
 * every match's index entries and heap row a second time: at 100k items, ~2,000 rows for two
 * common words.) Each row carries `matchCount`;
 * no row means no match when the page starts at offset 0. When `matchCount` exceeds `cap` the
 * matches read are only some of them, so the caller must use listCatalogItems and
 * countCatalogItems instead (more than 10,000 matches: the estimate path of design.md §15).
 */
export function searchCatalogPage(db: Queryable, filter: CatalogFilter & { search: ParsedSearch }, page: { limit: number; offset: number }, cap: number) {
  const matches = db
    .$with("search_matches")
    .as(db.select({ tid: sql<string>`${items}.ctid`.as("tid"), id: items.id, installCount: items.installCount, inName: sql<boolean>`${allInName(filter.search, itemSearchColumns)}`.as("in_name") }).from(items).where(whereOf(filter)).limit(cap + 1));
  const pageIds = searchPageIds(filter, page, sql.raw(`"search_matches"`));
  return db
    .with(matches)
    .select({ ...catalogColumns, matchCount: sql<number>`(select count(*) from "search_matches")`.mapWith(Number) })
    .from(items)
    .leftJoin(workspaces, eq(workspaces.id, items.publisherWorkspaceId))
    .where(sql`${items.id} in (${pageIds})`)
    .orderBy(...orderOf("relevance", filter.search));
}

/**
 * One page of the catalog. A search ranks a bounded candidate set on the items table alone and joins
 * the publisher only for the page's rows (the ranking keys are recomputed on those few rows to order them).
 * listCatalog pages relevance searches with searchCatalogPage (page and total in one statement); this
 * serves the other orders and relevance searches matching more than the count's cap.
 */
export function listCatalogItems(
  db: Queryable,
  filter: CatalogFilter,
  sort: CatalogSort,
  /** `after`: a cursor's key (sort newest or name only): the rows after it, `offset` ignored (design.md §51). */
  page: { limit: number; offset: number; after?: CursorKey },
  /** The caller knows more than the count's cap match (searchPageIds: the popularity walk). */
  manyMatches = false,
) {
  const order = orderOf(sort, filter.search);
  // Other sorts walk their own index in order and need no candidates.
  if (filter.search && sort === "relevance") {
    const pageIds = searchPageIds({ ...filter, search: filter.search }, page, undefined, manyMatches);
    return db
      .select(catalogColumns)
      .from(items)
      .leftJoin(workspaces, eq(workspaces.id, items.publisherWorkspaceId))
      .where(sql`${items.id} in (${pageIds})`)
      .orderBy(...order);
  }
  // A cursor page (sort newest or name, no search) starts after its key instead of an offset.
  const after = page.after && (sort === "newest" || sort === "name") ? afterKey(sort, itemKeysetColumns, page.after) : undefined;
  return db
    .select({ ...catalogColumns, cursorKey: cursorKeyOf(sort, itemKeysetColumns) })
    .from(items)
    .leftJoin(workspaces, eq(workspaces.id, items.publisherWorkspaceId))
    .where(after ? and(whereOf(filter), after) : whereOf(filter))
    .orderBy(...order)
    .limit(page.limit)
    .offset(after ? 0 : page.offset);
}

const itemKeysetColumns = { createdAt: items.createdAt, name: items.name, id: items.id };

/**
 * Counts matches exactly up to `cap`, scanning at most cap + 1 index entries; past that it returns
 * the planner's estimate (design.md §15), so a page never costs a scan of the whole catalog.
 */
export function boundedCountSql(filter: CatalogFilter, cap: number): SQL {
  return sql`select count(*) as n from (select 1 from ${items} where ${whereOf(filter)} limit ${cap + 1}) as bounded`;
}

export async function countCatalogItems(db: Queryable, filter: CatalogFilter, cap: number): Promise<{ total: number; exact: boolean }> {
  const [counted] = await rowsOf<{ n: string | number }>(db, boundedCountSql(filter, cap));
  const bounded = Number(counted?.n ?? 0);
  if (bounded <= cap) return { total: bounded, exact: true };
  return estimateCatalogItems(db, filter, cap);
}

/**
 * The total of a filter known to match more than `cap` items: the planner's row estimate (design.md
 * §15: `total_exact: false`), at least cap + 1. Costs one EXPLAIN (planning, no scan); the search in
 * it is written with constant tsqueries (itemEstimateColumns) so the estimate comes from statistics.
 */
export async function estimateCatalogItems(db: Queryable, filter: CatalogFilter, cap: number): Promise<{ total: number; exact: false }> {
  const where = whereOf(filter, false, itemEstimateColumns);
  const [plan] = await rowsOf<{ "QUERY PLAN": unknown }>(db, sql`explain (format json) select 1 from ${items} where ${where}`);
  const raw = plan?.["QUERY PLAN"];
  const parsed = (typeof raw === "string" ? JSON.parse(raw) : raw) as Array<{ Plan: { "Plan Rows": number } }>;
  return { total: Math.max(cap + 1, Math.round(parsed[0]?.Plan["Plan Rows"] ?? cap + 1)), exact: false };
}

/**
 * A marketplace item by id; removed and (unless allowed) hidden items are not found; with
 * `publisherWorkspaceId`, only an item published from that workspace.
 */
export async function findCatalogItem(db: Queryable, id: string, includeUnapproved: boolean, publisherWorkspaceId?: string): Promise<CatalogRow | undefined> {
  const conditions = [eq(items.id, id), sql`${items.ownerType} = 'marketplace'`];
  if (!includeUnapproved) conditions.push(sql`${items.isApproved}`);
  if (publisherWorkspaceId) conditions.push(eq(items.publisherWorkspaceId, publisherWorkspaceId));
  const [row] = await db
    .select(catalogColumns)
    .from(items)
    .leftJoin(workspaces, eq(workspaces.id, items.publisherWorkspaceId))
    .where(and(...conditions))
    .limit(1);
  return row;
}

/** Tools of many agents in one query (names and icons from the tool catalog). */
export function toolsOfAgents(db: Queryable, agentIds: string[]) {
  if (agentIds.length === 0) return Promise.resolve([]);
  return db
    .select({
      agentId: agentToolAssignments.agentId,
      appName: toolCatalog.appName,
      displayName: toolCatalog.displayName,
      logoUrl: toolCatalog.logoUrl,
      description: toolCatalog.description,
      authSchemes: toolCatalog.authSchemes,
    })
    .from(agentToolAssignments)
    .innerJoin(toolCatalog, eq(toolCatalog.id, agentToolAssignments.toolId))
    .where(and(inArray(agentToolAssignments.agentId, agentIds), eq(agentToolAssignments.enabled, true)))
    .orderBy(asc(toolCatalog.displayName));
}

export function toolsByAppNames(db: Queryable, appNames: string[]) {
  return db.select().from(toolCatalog).where(inArray(toolCatalog.appName, appNames));
}

/** Skills of an agent; only marketplace skills are ever linked to a marketplace agent (design.md §4). */
export function skillsOfAgent(db: Queryable, agentId: string) {
  return db
    .select({ id: items.id, name: items.name, description: items.description, version: items.version, isApproved: items.isApproved })
    .from(agentSkills)
    .innerJoin(items, eq(items.id, agentSkills.skillId))
    .where(and(eq(agentSkills.agentId, agentId), sql`${items.ownerType} = 'marketplace'`))
    .orderBy(asc(agentSkills.priority), asc(items.name));
}

export function recommendedAgentsOf(db: Queryable, recipeId: string) {
  return db
    .select({ id: items.id, name: items.name, description: items.description, isApproved: items.isApproved })
    .from(recipeRecommendedAgents)
    .innerJoin(items, eq(items.id, recipeRecommendedAgents.agentId))
    .where(and(eq(recipeRecommendedAgents.recipeId, recipeId), sql`${items.ownerType} = 'marketplace'`))
    .orderBy(asc(recipeRecommendedAgents.position));
}

/**
 * Version history, newest first. Everyone but admins sees only approved versions whose status
 * keeps them visible (active, deprecated, yanked: design.md §34, §35); admins see every version,
 * pending, rejected, quarantined and revoked ones included.
 */
export function versionsOf(db: Queryable, itemId: string, includeAll: boolean) {
  const conditions = [eq(itemVersions.itemId, itemId)];
  if (!includeAll) conditions.push(eq(itemVersions.reviewStatus, "approved"), inArray(itemVersions.status, [...VISIBLE_STATUSES]));
  return db
    .select({
      id: itemVersions.id,
      version: itemVersions.version,
      changelog: itemVersions.changelog,
      reviewStatus: itemVersions.reviewStatus,
      status: itemVersions.status,
      statusMessage: itemVersions.statusMessage,
      replacementItemId: itemVersions.replacementItemId,
      createdAt: itemVersions.createdAt,
    })
    .from(itemVersions)
    .where(and(...conditions))
    .orderBy(desc(itemVersions.createdAt), desc(itemVersions.id));
}

/**
 * Visible marketplace items among `ids` (not removed, is_approved: design.md §34): the replacement
 * items that deprecated and yanked versions name, as readers may follow them.
 */
export function visibleItemsByIds(db: Queryable, ids: string[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .select({ id: items.id })
    .from(items)
    .where(and(inArray(items.id, ids), sql`${items.ownerType} = 'marketplace'`, sql`${items.isApproved}`));
}

/** A category by slug or (case-insensitive) name. */
export async function findCategory(db: Queryable, slugOrName: string) {
  const [row] = await db
    .select({ id: categories.id })
    .from(categories)
    .where(sql`${categories.slug} = lower(${slugOrName}) or lower(${categories.name}) = lower(${slugOrName})`)
    .limit(1);
  return row;
}

/** Every category with its approved marketplace items counted per type. */
export async function categoriesWithCounts(db: Queryable) {
  const [rows, counts] = await Promise.all([
    db.select().from(categories).orderBy(asc(categories.sortOrder), asc(categories.name)),
    db
      .select({ categoryId: items.categoryId, type: items.type, n: sql<number>`count(*)::int` })
      .from(items)
      .where(sql`${items.ownerType} = 'marketplace' and ${items.isApproved} and ${items.categoryId} is not null`)
      .groupBy(items.categoryId, items.type),
  ]);
  return rows.map((category) => ({
    ...category,
    counts: Object.fromEntries(counts.filter((c) => c.categoryId === category.id).map((c) => [c.type, Number(c.n)])) as Partial<Record<ItemType, number>>,
  }));
}

export async function catalogStats(db: Queryable) {
  const [row] = await rowsOf<{ total_items: number; featured_count: number; total_installs: string | number; categories: number }>(db, sql`
    select count(*)::int as total_items,
           (count(*) filter (where ${items.isFeatured}))::int as featured_count,
           coalesce(sum(${items.installCount}), 0)::bigint as total_installs,
           count(distinct ${items.categoryId})::int as categories
    from ${items} where ${items.ownerType} = 'marketplace' and ${items.isApproved}`);
  if (!row) throw new Error("aggregate query returned no row");
  return {
    totalItems: Number(row.total_items),
    featuredCount: Number(row.featured_count),
    totalInstalls: Number(row.total_installs),
    categories: Number(row.categories),
  };
}
