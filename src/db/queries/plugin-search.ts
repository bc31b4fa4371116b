import { sql, type SQL } from "drizzle-orm";
import { marketplacePlugins } from "../schema";
import { containsPattern } from "./catalog";

/**
 * Plugin search (issue 15 item 1), in one function so it can be swapped for the shared search code
 * of issue 13 at merge. Same semantics as the item catalog's search (queries/catalog.ts): a row
 * matches by full text (`websearch_to_tsquery`, so punctuation never errors), by typo-tolerant word
 * similarity on the name (`<%`), or by a literal substring of the name or slug (`%` and `_` are
 * characters, not wildcards). Ranking: exact name, then name prefix, then text rank + similarity.
 *
 * Plugins have no stored tsvector: the document is built per row from name, slug and tags
 * ('simple') and description ('english'). The plugin table is small (one row per slug), so the
 * scan this costs is bounded; the name conditions can use `marketplace_plugins_name_trgm_idx`.
 */
export function pluginSearch(search: string): { match: SQL; rank: SQL[] } {
  const lowered = search.toLowerCase();
  const p = marketplacePlugins;
  const document = sql`(setweight(to_tsvector('simple', ${p.name} || ' ' || ${p.slug}), 'A')
    || setweight(to_tsvector('english', coalesce(${p.description}, '')), 'B')
    || setweight(to_tsvector('simple', ${p.tags}), 'C'))`;
  const query = sql`(websearch_to_tsquery('simple', ${search}) || websearch_to_tsquery('english', ${search}))`;
  const substring = containsPattern(lowered);
  return {
    match: sql`(${document} @@ ${query}
      or ${lowered} <% lower(${p.name})
      or lower(${p.name}) like ${substring}
      or ${p.slug} like ${substring})`,
    rank: [
      sql`(lower(${p.name}) = ${lowered}) desc`,
      sql`(lower(${p.name}) like ${substring.slice(1)}) desc`,
      sql`ts_rank(${document}, ${query}) + word_similarity(${lowered}, lower(${p.name})) desc`,
    ],
  };
}
