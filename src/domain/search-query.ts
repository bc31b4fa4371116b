/**
 * What a catalog search query means (issue 13 item 1), independent of SQL so item search and plugin
 * search read it the same way (src/db/queries/search.ts turns it into a condition and a ranking).
 *
 * - Words are runs of letters and digits (any script), lower-cased after NFKC; every other character
 *   separates words, as PostgreSQL's text-search parser does, so `code-review` is two words. Runs
 *   joined by single dots stay one word (`3.5`, `1.2.3`, `v1.2`, `node.js`): the parser keeps them
 *   whole (a float, version, file or host token), so "claude 3.5" must look for `3.5`, not `3` and
 *   `5`. Such a word also matches its parts as words (`parts`), in case a text spelt it otherwise.
 * - `"…"` quotes a phrase: its words must appear in that order. An unterminated quote quotes the rest.
 * - A token holding `%`, `_` or `\` (`100%`, `snake_case`) is a literal: it must occur as written in
 *   the name (those characters are never wildcards).
 * - English stop words (`the`, `of`, …) are dropped while any other term remains; a query of stop
 *   words only keeps them as whole words of the name (`the` finds "The Librarian"), so it never
 *   matches most of the catalog by prefix or through descriptions.
 * - A query with no letter or digit at all (`:&!`, `'`, `(`, `%`) has no terms and matches nothing:
 *   an empty page, never an error and never everything (a name search for bare punctuation could use
 *   no index, pg_trgm ignores punctuation, and would scan the whole catalog).
 * - Typos are forgiven only when the query as typed matches nothing (`typos`, set by the caller
 *   through `withTypoTolerance` after an empty strict count). Why: a typo alternative is a trigram
 *   match on the name, which the trigram GIN cannot bound — a correct common word ("triage",
 *   "planner") is within typo distance of every name holding it, so offering the alternative on every
 *   query made each common word cost a scan of thousands of names (issue 13 item 3, measured at 100k:
 *   four trigram bitmap scans of ~10k rows per two-word query plus word_similarity per candidate row).
 *   A query whose words all match as typed gains nothing from typo alternatives that the ranking
 *   would not place below the exact matches anyway; one that matches nothing ("Tickt Triage",
 *   "ledgr insigth") is retried with them, so every word is still forgiven a small typo (item 1).
 *   "Small" is pg_trgm's default thresholds (they cannot be set per query through the HTTP driver):
 *   the word must share 60 % of its trigrams with some stretch of the name, or be 50 % similar to a
 *   whole word of it. So a letter dropped from a word of six letters or more is forgiven ("invoce" →
 *   "invoice": 5 of 7 trigrams), but a letter changed inside a six-letter word is not ("triege",
 *   "tirage" → "triage": 4 of 7), nor one dropped from a five-letter word ("Tiket"). Matching
 *   whole names by similarity (`%`) caught those, and was measured at 156–231 ms per retry at 100k
 *   items (trigram scans of every name sharing a common word), so it is not used.
 */

export type SearchTerm =
  /**
   * Must match a word of the item by prefix, or a word of the name within a small typo distance. A
   * dotted word (`3.5`) carries its `parts` (`3`, `5`): matching every part also matches it.
   */
  | { kind: "word"; text: string; wholeNameWord?: boolean; parts?: string[] }
  /** Words that must appear consecutively, in order. */
  | { kind: "phrase"; words: string[] }
  /** Must occur verbatim (case-insensitively) in the name. */
  | { kind: "literal"; text: string };

export interface ParsedSearch {
  terms: SearchTerm[];
  /** Words of MIN_TYPO_WORD_LENGTH+ letters may also match a name word within a small typo distance (see withTypoTolerance). */
  typos?: boolean;
  /** The query as a name would be written: lower-case, one space between words; for exact and prefix ranking. */
  nameText: string;
}

/** Words this short get no typo tolerance: one edit of a three-letter word is another word. */
export const MIN_TYPO_WORD_LENGTH = 4;

// Function words that carry no meaning in a catalog query: a subset of PostgreSQL's 'english'
// stop list, which also drops them from indexed descriptions.
const STOP_WORDS = new Set(
  (
    "a an and are as at be been but by for from had has have he her his i if in into is it its me my no nor not of on or our " +
    "she so such than that the their them then there these they this those to too us was we were what when where which who " +
    "why will with you your"
  ).split(" "),
);

const LITERAL_CHARS = /[%_\\]/;
// A token is a run of letters, digits and the literal characters, runs joined by single dots
// included; anything else separates tokens.
const TOKEN = /[\p{L}\p{N}%_\\]+(?:\.[\p{L}\p{N}%_\\]+)*/gu;
const WORD = /[\p{L}\p{N}]+(?:\.[\p{L}\p{N}]+)*/gu;

function tokensOf(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

function wordsOf(text: string): string[] {
  return text.match(WORD) ?? [];
}

export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

/**
 * The search folding (issue 30 item 1; npm/www#389, NuGet/NuGetGallery#3186): NFKC, then lower
 * case, so full-width letters (`Ｆｕｌｌ`), ligatures (`ﬁ`) and enclosed letters (`Ⓐ`) read as their
 * plain forms. The query's twin of the SQL function `search_fold(text)` (migration 0011: lower(normalize(text, NFKC))),
 * which every searchable text goes through in the index (names, descriptions and tags of items
 * and plugins); the query's name comparisons go through search_fold itself as well
 * (src/db/queries/search.ts), so index and query are folded by the same function.
 */
export function foldSearchText(text: string): string {
  // Code point by code point, as PostgreSQL's lower() maps (simple case mapping): JavaScript's
  // toLowerCase() of a whole string applies Unicode's special casing, which PostgreSQL does not:
  // a final Σ becomes ς (PostgreSQL: σ) and İ becomes i + U+0307 (PostgreSQL: i).
  return text.normalize("NFKC").replace(/./gsu, (c) => (c === "\u0130" ? "i" : c.toLowerCase()));
}

/** Parses a raw `search` parameter (already trimmed, at most 200 characters) into terms. */
export function parseSearchQuery(raw: string): ParsedSearch {
  const text = foldSearchText(raw);
  const terms: SearchTerm[] = [];
  const parts = text.split('"');
  parts.forEach((part, i) => {
    // Odd parts are inside quotes ("a" "b" splits as ['', a, ' ', b, '']).
    if (i % 2 === 1) {
      const words = wordsOf(part);
      if (words.length > 1) terms.push({ kind: "phrase", words });
      else if (words.length === 1) terms.push(words[0]!.includes(".") ? { kind: "word", text: words[0]!, parts: words[0]!.split(".") } : { kind: "word", text: words[0]! });
      return;
    }
    for (const token of tokensOf(part)) {
      if (!/[\p{L}\p{N}]/u.test(token)) continue;
      if (LITERAL_CHARS.test(token)) terms.push({ kind: "literal", text: token });
      else if (token.includes(".")) terms.push({ kind: "word", text: token, parts: token.split(".") });
      else terms.push({ kind: "word", text: token });
    }
  });
  const meaningful = terms.filter((t) => t.kind !== "word" || !isStopWord(t.text));
  const kept: SearchTerm[] =
    meaningful.length > 0 ? meaningful : terms.map((t) => (t.kind === "word" ? { ...t, wholeNameWord: true } : t));
  const trimmed = text.replace(/\s+/g, " ").trim();
  if (kept.length === 0) return { terms: [], nameText: trimmed };
  return { terms: dedupe(kept), nameText: trimmed.replace(/"/g, "").trim() };
}

/**
 * The same search with typo alternatives for its words, or undefined when no word is long enough to
 * have one (retrying would find nothing new). Callers use it only after the search as typed counted
 * no match, so typo matching never widens a query that already has answers (module docstring).
 */
export function withTypoTolerance(search: ParsedSearch): ParsedSearch | undefined {
  if (search.typos) return undefined;
  const eligible = search.terms.some((t) => t.kind === "word" && !t.wholeNameWord && !t.parts && t.text.length >= MIN_TYPO_WORD_LENGTH);
  return eligible ? { ...search, typos: true } : undefined;
}

function dedupe(terms: SearchTerm[]): SearchTerm[] {
  const seen = new Set<string>();
  return terms.filter((t) => {
    const key = JSON.stringify(t);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
