import { sql, type SQL } from "drizzle-orm";
import { parseSearchQuery, type ParsedSearch } from "../../domain/search-query";
import { marketplacePlugins } from "../schema";
import { searchCondition, searchRanking, type SearchColumns } from "./search";

const p = marketplacePlugins;

/**
 * Plugins have no stored tsvector: the document is built per row from name and slug (weight A,
 * 'simple'), description (B, 'english') and tags (C, 'simple'), the weights and configurations
 * search.ts expects. The plugin table is small (one row per slug), so the scan this costs is bounded;
 * typo and literal conditions on the folded name can use `marketplace_plugins_name_trgm_idx` (on search_fold(name)).
 */
const pluginSearchColumns: SearchColumns = {
  // Folded by search_fold (NFKC, lower case) as the item document and the query are (issue 30 item 1).
  document: sql`(setweight(to_tsvector('simple', search_fold(${p.name} || ' ' || ${p.slug})), 'A')
    || setweight(to_tsvector('english', search_fold(coalesce(${p.description}, ''))), 'B')
    || setweight(to_tsvector('simple', search_fold((${p.tags})::text)), 'C'))`,
  lowerName: sql`search_fold(${p.name})`,
};

/**
 * Plugin search (issue 15 item 1) with the catalog's query semantics (issue 13 item 4, shared code:
 * src/domain/search-query.ts and src/db/queries/search.ts): every word must match the name, slug,
 * description or tags by prefix or stemmed full text, or the name within a small typo distance;
 * quoted phrases in order; `%`, `_`, `\` literal; a query without letters or digits matches nothing.
 * Ranking: exact name, name prefix, every term in the name, text rank (name > tags > description);
 * the caller appends popularity and the id.
 */
export function pluginSearch(search: string | ParsedSearch): { match: SQL; rank: SQL[] } {
  const parsed = typeof search === "string" ? parseSearchQuery(search) : search;
  return { match: searchCondition(parsed, pluginSearchColumns), rank: searchRanking(parsed, pluginSearchColumns) };
}
