/**
 * Shell-word forms for matching (issue 28 review, item 1). A shell reads `c''url`, `"cu"rl`,
 * `cu\rl`, `curl${IFS}-fsSL` and `a=cu; b=rl; $a$b` all as `curl`; a rule keyed on the word
 * `curl` does not. `shellWordForms` gives, for each line that holds such a spelling, the line as the
 * shell would read its words, which the scanner matches in addition to the line as written (the
 * written line is never replaced, so nothing is lost when the rewrite is wrong, e.g. a Windows path
 * `C:\Users` read as `C:Users`). Pure; every expression runs in linear time and is listed in
 * SHELL_WORD_PATTERNS for the ReDoS check.
 */

// An empty quote pair inside or next to a word: `c''url`, `cu""rl`.
const EMPTY_QUOTES = /''|""/g;
// A quoted piece glued to a word on either side: `"cu"rl`, `cu'rl'`, `'c'"u"rl`.
const QUOTED_PIECE_BEFORE = /(["'])([\w./-]{1,40})\1(?=[\w/-])/g;
const QUOTED_PIECE_AFTER = /(?<=[\w/-])(["'])([\w./-]{1,40})\1/g;
// A backslash between two word characters: `cu\rl` (sh drops the backslash of an ordinary letter).
const INNER_BACKSLASH = /(?<=[A-Za-z0-9_])\\(?=[A-Za-z0-9_])/g;
// The field separator used as a space: `${IFS}`, `$IFS`, `${IFS%??}`, `$IFS$9`.
const IFS = /\$\{IFS(?:[%#]{1,2}[^}\n]{0,10})?\}|\$IFS(?:\$\d)?(?![A-Za-z0-9_])/g;
// `name=value` (the value a plain word or one quoted word), as in `a=cu; b=rl`.
// Tried on each word of a line (split at spaces and ; & |), anchored at both ends.
const WORD_SEPARATORS = /[\s;&|]+/;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]{0,30})=(?:(["'])([^"']{1,60})\2|([^"'`$()]{1,60}))$/;
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]{0,30})\}|\$([A-Za-z_][A-Za-z0-9_]{0,30})/g;
// A command substitution printing one plain word: `$(printf cu)rl`, `$(echo "cu")rl` (issue 28 second review, C).
const PRINTED_WORD = /\$\(\s{0,3}(?:printf|echo)\s{1,5}(?:(["'])([\w./-]{1,20})\1|([\w./-]{1,20}))\s{0,3}\)/g;
const QUICK = /''|""|["'][\w./-]{1,40}["']|\\|\$/;

/** Every expression above, for test/node/scan-redos.test.ts (through ruleExpressions). */
export const SHELL_WORD_PATTERNS: readonly RegExp[] = [PRINTED_WORD, EMPTY_QUOTES, QUOTED_PIECE_BEFORE, QUOTED_PIECE_AFTER, INNER_BACKSLASH, IFS, WORD_SEPARATORS, ASSIGNMENT, VARIABLE, QUICK];

/** Lines before a variable's use whose assignments are spliced into it (`a=cu` up to 5 lines earlier). */
export const SPLICE_WINDOW_LINES = 5;

/** One line as the shell would read its words, `variables` holding the values assigned just before. */
function readWords(line: string, variables: ReadonlyMap<string, string>): string {
  let out = line.replace(IFS, " ").replace(PRINTED_WORD, (_whole, _quote?: string, quoted?: string, plain?: string) => (quoted ?? plain)!);
  if (variables.size > 0) out = out.replace(VARIABLE, (whole, braced?: string, plain?: string) => variables.get((braced ?? plain)!) ?? whole);
  // Quoted pieces first: in `""cu"rl` (a JSON string's quote, then `"cu"rl`) the pair to remove is `"cu"`.
  out = out.replace(QUOTED_PIECE_BEFORE, "$2").replace(QUOTED_PIECE_AFTER, "$2");
  out = out.replace(EMPTY_QUOTES, "");
  return out.replace(INNER_BACKSLASH, "");
}

/**
 * For each line (normalised, one file) that reads differently as shell words, `{line, text}`: the
 * 0-based line and its shell-word form. Variables assigned on the same line or on the
 * SPLICE_WINDOW_LINES lines before are substituted (a value of at most 60 characters; the latest
 * assignment wins). Cost: linear in the text (each line is rewritten at most once, and at most
 * SPLICE_WINDOW_LINES lines of assignments are kept).
 */
export function shellWordForms(lines: readonly string[]): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const recent: Array<Array<[string, string]>> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const assigned: Array<[string, string]> = [];
    if (line.includes("=")) {
      for (const word of line.split(WORD_SEPARATORS)) {
        const m = word.length <= 100 ? ASSIGNMENT.exec(word) : null;
        if (m) assigned.push([m[1]!, m[3] ?? m[4]!]);
      }
    }
    recent.push(assigned);
    if (recent.length > SPLICE_WINDOW_LINES + 1) recent.shift();
    if (!QUICK.test(line)) continue;
    const variables = new Map<string, string>();
    if (line.includes("$")) for (const pairs of recent) for (const [name, value] of pairs) variables.set(name, value);
    const text = readWords(line, variables);
    if (text !== line) out.push({ line: i, text });
  }
  return out;
}
