import { sql, type SQL } from "drizzle-orm";
import { MIN_TYPO_WORD_LENGTH, type ParsedSearch, type SearchTerm } from "../../domain/search-query";

/**
 * The columns a searchable table offers, as SQL expressions, so items and plugins share one
 * implementation of src/domain/search-query.ts (issue 13 items 1 and 4).
 *
 * `document` is a tsvector whose name lexemes carry weight A, tag lexemes weight C and description
 * lexemes weight B; names and tags parsed with the 'simple' configuration, descriptions with 'english'
 * (items.search is exactly that, generated and GIN-indexed), every text folded by search_fold (NFKC,
 * lower case). `lowerName` is the folded name, `search_fold(name)`: the very expression the trigram
 * GIN and the prefix btree cover, or typo and prefix matching cannot use them.
 */
export interface SearchColumns {
  document: SQL;
  lowerName: SQL;
  /**
   * A table (`lexeme text`, text_pattern_ops btree) holding every lexeme of `document` on every row
   * the search can reach (items: search_lexemes, kept by a trigger). With it, a word's prefix is
   * expanded into whole lexemes before the GIN scan (expandedPrefixQuery). Left out for a document
   * no index serves (plugins), where the expansion would only add a lookup.
   */
  lexicon?: SQL;
}

/**
 * A query string as the index's text is folded: through the same SQL function, search_fold (NFKC,
 * then lower case; migration 0011), that `lowerName` and the documents apply (issue 30 item 1). The
 * parser already folded it the same way in JavaScript (foldSearchText) to split it into words; the
 * function is idempotent, so this changes nothing where the two agree and makes the comparison one
 * function's output against the same function's output where they might not. Immutable, so
 * PostgreSQL folds it once per statement and index conditions still see a constant.
 */
const folded = (text: string) => sql`search_fold(${text})`;

/** LIKE pattern matching `text` literally: % and _ in a query are characters, not wildcards. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// Words hold only letters, digits and inner dots (search-query.ts), with at most a leading minus
// added here (wordAlternatives), so they can be spliced into to_tsquery's syntax as parameters
// without any operator sneaking in.
function prefixQuery(words: string[], weights = ""): string {
  return words.map((w) => `${w}:*${weights}`).join(" & ");
}

type WordTerm = Extract<SearchTerm, { kind: "word" }>;
const NUMBER = /^[0-9]+(?:\.[0-9]+)*$/;

/**
 * The spellings a word may have among the lexemes, each turned into SQL by `match` and OR-ed: the
 * word itself; a number also with a minus sign, because PostgreSQL's parser reads the hyphen of
 * `gpt-4` and `llama-3.1` as a sign (lexemes '-4', '-3.1'); a dotted word holding a letter
 * (`node.js`) also as all of its parts (`node`, `js`), the way "Node JS" is stored.
 */
function wordAlternatives(term: WordTerm, match: (word: string) => SQL, and: (parts: SQL[]) => SQL): SQL[] {
  const alternatives = [match(term.text)];
  if (NUMBER.test(term.text)) alternatives.push(match(`-${term.text}`));
  if (term.parts && /\p{L}/u.test(term.text)) alternatives.push(and(term.parts.map(match)));
  return alternatives;
}

/**
 * A word as one tsquery expression: its alternatives (wordAlternatives) OR-ed with `||`, a dotted
 * word's parts AND-ed with `&&`, each spelling written by `tsquery`. One tsquery, so one `@@` per
 * term (termCondition says why that matters to the planner).
 */
function wordTsquery(term: WordTerm, tsquery: (word: string) => SQL): SQL {
  const alternatives = wordAlternatives(term, tsquery, (parts) => sql`(${sql.join(parts, sql` && `)})`);
  return alternatives.length === 1 ? alternatives[0]! : sql`(${sql.join(alternatives, sql` || `)})`;
}

const anyOf = (conditions: SQL[]) => (conditions.length === 1 ? conditions[0]! : sql`(${sql.join(conditions, sql` or `)})`);
const allOf = (conditions: SQL[]) => sql`(${sql.join(conditions, sql` and `)})`;

/**
 * Names and tags are parsed with 'simple', descriptions with 'english' (stemmed): try both, but only
 * once when the stem is the word itself. Why: GIN does not merge two identical prefix entries
 * (`'ledger':* | 'ledger':*`), it collects each one's posting list, so the plain `||` read every
 * common word's list twice. The CASE has constant arguments only and is folded when the query is
 * planned.
 */
function anyConfig(query: string): SQL {
  return sql`(case when to_tsquery('simple', ${query}) = to_tsquery('english', ${query}) then to_tsquery('simple', ${query})
    else to_tsquery('simple', ${query}) || to_tsquery('english', ${query}) end)`;
}

/**
 * At most this many whole lexemes stand for one prefix; a prefix matching more (a short prefix of
 * a common stem) is searched as a GIN partial match instead, with the same result. Why 16: the GIN
 * merges an OR of whole lexemes entry by entry for every item it passes, so the expansion's gain
 * (intersecting inside the index) fades as the lexemes grow in number. Measured at 100k items
 * (server execution time, median of 41): "support c" (c: 27 lexemes) 12.2 → 10.3 ms and "s" (24
 * lexemes, the statement reading 10,001 matches) 103 → 44 ms as a partial match; 17, 13 and 11
 * lexemes cost the same either way; 9 and 5 lexemes were 1–2 ms slower as a partial match.
 */
export const MAX_PREFIX_EXPANSION = 16;

/**
 * `word` as a prefix in either configuration (anyConfig of `word:*`), written as the whole lexemes
 * of `lexicon` it stands for: `'schedul' | 'scheduler' | 'scheduling'`. The same matches as the
 * prefix query (every lexeme of the document is in the lexicon, and each starts with the word or
 * its English stem), found by intersecting posting lists inside the GIN instead of first collecting
 * every matching lexeme's list into a bitmap (schema: searchLexemes has the measured figures). A
 * scalar subquery: PostgreSQL runs it once, before the scan, and hands its result to the GIN as the
 * index condition. More than MAX_PREFIX_EXPANSION lexemes, or none (then nothing can match), fall
 * back to the prefix query. Lexemes are quoted for tsquery input (`'` doubled, `\` escaped): a
 * lexeme may hold any character.
 */
function expandedPrefixQuery(word: string, lexicon: SQL): SQL {
  const lexemes = sql`unnest(tsvector_to_array(to_tsvector('simple', ${word})) || tsvector_to_array(to_tsvector('english', ${word})))`;
  const quoted = sql.raw(String.raw`'''' || replace(replace(e.lexeme, '\', '\\'), '''', '''''') || ''''`);
  return sql`(select case when count(*) between 1 and ${MAX_PREFIX_EXPANSION} then string_agg(${quoted}, ' | ')::tsquery
      else ${anyConfig(prefixQuery([word]))} end
    from (select distinct x.lexeme from ${lexemes} as p(prefix) cross join lateral (
        select l.lexeme from ${lexicon} as l
        where l.lexeme ~>=~ p.prefix and l.lexeme ~<~ (p.prefix || chr(1114111)) and starts_with(l.lexeme, p.prefix)
        order by l.lexeme using ~<~ limit ${MAX_PREFIX_EXPANSION + 1}) as x
      limit ${MAX_PREFIX_EXPANSION + 1}) as e)`;
}

function phraseQuery(words: string[]): SQL {
  const text = words.join(" ");
  return sql`(case when phraseto_tsquery('simple', ${text}) = phraseto_tsquery('english', ${text}) then phraseto_tsquery('simple', ${text})
    else phraseto_tsquery('simple', ${text}) || phraseto_tsquery('english', ${text}) end)`;
}

function termCondition(term: SearchTerm, columns: SearchColumns, typos: boolean): SQL {
  switch (term.kind) {
    case "word": {
      if (term.wholeNameWord) return sql`${columns.document} @@ to_tsquery('simple', ${`${term.text}:A`})`;
      // The alternatives are joined as tsqueries (|| and &&) into one `@@`: one index condition per
      // term, which the planner always hands to the GIN. As separate `@@ or @@` conditions its
      // estimate for run-time tsqueries made it filter the OR on the heap instead: the exact name
      // "Synthetic Ledger Insight 356" read the 1,605 rows holding the other three words at 100k
      // items, to keep 2.
      const prefix = (word: string) => (columns.lexicon ? expandedPrefixQuery(word, columns.lexicon) : anyConfig(prefixQuery([word])));
      const text = sql`${columns.document} @@ ${wordTsquery(term, prefix)}`;
      // Typo alternatives only on the retry of a query that matched nothing as typed (search-query.ts).
      if (!typos || term.parts || term.text.length < MIN_TYPO_WORD_LENGTH) return text;
      // pg_trgm's default thresholds (a query cannot change them through the HTTP driver; "small typo
      // distance" is therefore one edit in a word of about six letters or more), both served by the trigram GIN: `<%` word_similarity >= 0.6 with some part
      // of the name, `<<%` strict_word_similarity >= 0.5 with whole words of it ("invoce" → "invoice").
      return sql`(${text} or ${folded(term.text)} <% ${columns.lowerName} or ${folded(term.text)} <<% ${columns.lowerName})`;
    }
    case "phrase":
      return sql`${columns.document} @@ ${phraseQuery(term.words)}`;
    case "literal":
      return sql`${columns.lowerName} like ${folded(`%${escapeLike(term.text)}%`)}`;
  }
}

/**
 * Every term must match (AND); each alternative is one index's operator, so the planner can combine
 * bitmap scans of the tsvector GIN and (typo retry only: `search.typos`) the trigram GIN. A query with
 * no terms matches nothing (`false`, which the planner answers without a scan).
 */
export function searchCondition(search: ParsedSearch, columns: SearchColumns): SQL {
  if (search.terms.length === 0) return sql`false`;
  return sql.join(
    search.terms.map((t) => termCondition(t, columns, search.typos ?? false)),
    sql` and `,
  );
}

/**
 * Every term found in the name itself (weight A), so "Ledger Insight" outranks a description mention:
 * the third ranking key (searchRankingKeys), also what a caller bounding its candidates orders the
 * matches by before popularity, so such names are never crowded out by popular description matches.
 * `false` for a query without terms.
 */
export function allInName(search: ParsedSearch, columns: SearchColumns): SQL {
  if (search.terms.length === 0) return sql`false`;
  return sql.join(
    search.terms.map((term) => {
      switch (term.kind) {
        case "word":
          return anyOf(wordAlternatives(term, (word) => sql`${columns.document} @@ to_tsquery('simple', ${prefixQuery([word], "A")})`, allOf));
        case "phrase":
          return sql`${columns.document} @@ to_tsquery('simple', ${term.words.map((w) => `${w}:A`).join(" <-> ")})`;
        case "literal":
          return sql`${columns.lowerName} like ${folded(`%${escapeLike(term.text)}%`)}`;
      }
    }),
    sql` and `,
  );
}

/** The terms as one tsquery for ts_rank (literals rank by their ranking keys, not text rank). */
function rankQuery(search: ParsedSearch): SQL {
  const parts = search.terms.flatMap((t) => (t.kind === "word" ? [wordTsquery(t, (word) => anyConfig(prefixQuery([word])))] : t.kind === "phrase" ? [phraseQuery(t.words)] : []));
  if (parts.length === 0) return sql`''::tsquery`;
  return sql.join(parts, sql` && `);
}

/**
 * Conditions picking the rows that top the ranking: names starting with the query (exact names
 * included), which the trigram GIN finds cheaply. A caller bounding its candidates takes the most
 * popular rows of each tier plus the most popular matches overall, then ranks only those. (A tier of
 * names holding every term was measured slower: the tsvector GIN cannot tell name lexemes apart, so it
 * re-reads every match.)
 */
export function searchTiers(search: ParsedSearch, columns: SearchColumns): SQL[] {
  if (search.terms.length === 0) return [];
  return [sql`${columns.lowerName} like ${folded(`${escapeLike(search.nameText)}%`)}`];
}

// ts_rank's weights are {D, C, B, A}: name (A) 1.0 > tags (C) 0.4 > description (B) 0.2 (issue 13).
const WEIGHTS = "{0.0, 0.4, 0.2, 1.0}";

/**
 * Ranking keys, best first: exact name, name starting with the query, every term in the name, text
 * rank weighted name > tags > description, plus name similarity on a typo retry only (it ranks the
 * typo matches; as typed, every match holds the words and the judged set ranks the same without it,
 * while word_similarity costs ~8 µs per candidate: 2 ms of a 250-candidate page at 100k items). The
 * caller appends popularity and a unique tie-breaker.
 */
export function searchRanking(search: ParsedSearch, columns: SearchColumns): SQL[] {
  return searchRankingKeys(search, columns).map((key) => sql`${key} desc`);
}

/** searchRanking's keys as plain expressions (each sorts descending), for a caller that computes them once per candidate. */
export function searchRankingKeys(search: ParsedSearch, columns: SearchColumns): SQL[] {
  if (search.terms.length === 0) return [];
  return [
    sql`(${columns.lowerName} = ${folded(search.nameText)})`,
    sql`(${columns.lowerName} like ${folded(`${escapeLike(search.nameText)}%`)})`,
    sql`(${allInName(search, columns)})`,
    search.typos
      ? sql`(ts_rank(${WEIGHTS}::float4[], ${columns.document}, ${rankQuery(search)}) + 0.1 * word_similarity(${folded(search.nameText)}, ${columns.lowerName}))`
      : sql`ts_rank(${WEIGHTS}::float4[], ${columns.document}, ${rankQuery(search)})`,
  ];
}
