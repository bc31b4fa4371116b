import confusables from "unhomoglyph/data.json";
import { cleanText } from "./text";

/**
 * Text that goes into an assembled system prompt without being the assembler's own (issue 26
 * item 1): plugin files, names, descriptions and tags, the persona prompt (a cloned marketplace
 * agent's persona is another tenant's text), tool descriptions.
 *
 * The prompt's structure is the Markdown headings the assembler writes (`## Persona`,
 * `## Plugin: …`, `### <file>`, `## Tools`), each at the start of a line after a blank line; the
 * structured `plugins[]`, `persona` and `tools` fields of the response stay the source of truth.
 * Names go on one line (`promptLine`), and in multi-line foreign text (`escapePromptBlock`) every
 * structural line gets a backslash before its first visible character: `## Tools` becomes
 * `\## Tools`, `- ## Tools` becomes `\- ## Tools`, `1. ## Tools` becomes `\1. ## Tools`, `<!--`
 * becomes `\<!--`. A line is structural (`isStructuralLine`) when, after any blanks (spaces, tabs,
 * invisible characters: zero-width, bidi, controls, default-ignorables, the braille blank) and any
 * run of container markers, each followed by any blanks — a block quote `>`, a bullet `-`, `*` or
 * `+` followed by a blank, an ordinal (decimal digits then `.` or `)`) followed by a blank — what
 * remains
 * - starts with a number sign (an ATX heading),
 * - starts with three backticks or three tildes (a code fence),
 * - starts with `<` (an HTML block),
 * - or is nothing visible but `=`, or nothing visible but `-` (a setext underline).
 * Each mark may also be a look-alike (`MARK_LOOK_ALIKES`: `＃`, `﹟`, `♯`, en dash, minus sign,
 * `｀`, `～`, `＞`, `‹`, …), for a reader that is a model rather than a parser.
 *
 * Why this is enough, against CommonMark 0.31.2 (the spec's section numbers):
 * - Every line that makes a heading (ATX §4.2, setext underline §4.3), opens a fenced code block
 *   (§4.5) or opens an HTML block of any of the seven kinds (§4.6) has, before its mark, nothing
 *   but spaces and tabs (the indentation that continues a list item, §5.2, then at most three
 *   columns) and the markers of the containers it opens or continues: `>` (§5.1), a bullet or an
 *   ordinal of 1–9 digits followed by a space or tab (§5.2). So it is structural by the rule
 *   above, which reads more (any blanks, any digits, look-alikes, `-` alone or `- -`). Fences and HTML blocks of kinds 1–5 are the blocks that run past their own lines
 *   until a closing line that may never come, to the end of the document: all are escaped, closed
 *   or not, so none exists in foreign text; kinds 6 and 7 (`<h2>`, `<div>`) would be passed
 *   through by a renderer.
 * - An escaped line starts, after its blanks, with `\`, which starts no block (§4, §5) and is no
 *   container marker: the line is paragraph text, a paragraph's continuation, or (four columns in)
 *   indented code, whatever came before it.
 * - What foreign text can still open — paragraphs, lists, block quotes, indented code, thematic
 *   breaks, link reference definitions — ends at the next assembler heading: a `#` line at column 0
 *   interrupts a paragraph (§4.2), so it is no lazy continuation (§5.1), and it is neither indented
 *   enough to continue a list item or indented code nor prefixed with `>`. Block structure is
 *   decided before inlines (§6), so no code span, link or emphasis can reach across it. The
 *   assembler's own lines under foreign text (`Tags: …`, `Skills: …`) are never underlines.
 * Not covered: raw HTML inside a paragraph (`see <h2>x</h2>`) stays inline text of that paragraph
 * in the document tree; an HTML renderer would pass it through, a model reads it as text.
 *
 * Every line break a reader may honour (CR LF, CR, LF, VT, FF, NEL, U+2028, U+2029) is read as one,
 * and written as LF. Escaping only adds characters, so a token estimate must be taken over the
 * escaped text (src/services/plugins/content.ts does, for the cached `context_tokens`).
 */

// Every line break but LF, to be written as LF (CR LF first, so it becomes one).
const OTHER_BREAK = /\r\n|[\v\f\r\u0085\u2028\u2029]/g;

// Characters that show nothing before the first visible one: white space, controls, format
// characters (zero-width, bidi), the other default-ignorables, and the braille blank (U+2800,
// which Unicode counts as a symbol, not as space).
const BLANK_CLASS = String.raw`\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800`;
const BLANK = new RegExp(`^[${BLANK_CLASS}]$`, "u");

/**
 * The ASCII marks of a structural line: a heading `#`, underlines `=` and `-`, fences `` ` `` and
 * `~`, HTML `<`, containers `>`, `-`, `*`, `+` and an ordinal's `.` and `)`.
 */
type Mark = "#" | "=" | "-" | "`" | "~" | "<" | ">" | "*" | "+" | "." | ")";
const MARKS: readonly string[] = ["#", "=", "-", "`", "~", "<", ">", "*", "+", ".", ")"];

// Compatibility forms (small, full-width, superscript, subscript, vertical) that NFKC folds to a
// mark or to a look-alike of one: every such code point, found by folding all of Unicode (the test
// checks it). NFKC mappings never change once assigned (Unicode's normalization stability policy).
const NFKC_MARKS =
  "\u1FEF\u207A\u207B\u207C\u207E\u208A\u208B\u208C\u208E\uFB29\uFE32\uFE36\uFE3A\uFE52\uFE5A\uFE5E\uFE5F\uFE61\uFE62\uFE63\uFE64\uFE65\uFE66\uFF03\uFF09\uFF0A\uFF0B\uFF0D\uFF0E\uFF1C\uFF1D\uFF1E\uFF40\uFF5E";

/**
 * Every non-ASCII character that reads as a mark, with the mark: the TR39 confusables of the
 * marks (the `unhomoglyph` table names.ts uses: en dash, minus sign, hyphens, Coptic Ⲻ, `‹`, `›`,
 * `∗`, `∼`, …), the compatibility forms above, and the music sharp sign, which the table leaves
 * out. The table reads a backtick as an apostrophe, so a backtick's look-alikes are its
 * compatibility forms only. Shares the table's module with `unhomoglyph`, so it adds nothing to the bundle.
 */
export const MARK_LOOK_ALIKES: ReadonlyMap<string, Mark> = (() => {
  const map = new Map<string, Mark>([["\u266F", "#"]]);
  for (const [char, shape] of Object.entries(confusables as Record<string, string>)) if (MARKS.includes(shape)) map.set(char, shape as Mark);
  for (const char of NFKC_MARKS) {
    const folded = char.normalize("NFKC");
    map.set(char, (MARKS.includes(folded) ? folded : map.get(folded)) as Mark);
  }
  return map;
})();

/** A regular-expression class of some marks and their look-alikes (as `\u{…}` escapes: no class syntax can leak in). */
const markClass = (...marks: Mark[]) => {
  const chars = [...marks, ...[...MARK_LOOK_ALIKES].filter(([, m]) => marks.includes(m)).map(([c]) => c)];
  return `[${chars.map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join("")}]`;
};
const LINE_BLANK = `(?:(?!\\n)[${BLANK_CLASS}])`;
const underlineOf = (mark: Mark) => `${markClass(mark)}(?:${LINE_BLANK}|${markClass(mark)})*$`;
// Container markers, each with the blanks after it: `>`; a bullet or an ordinal followed by a blank.
// A dash bullet is apart: its dash may also be the first of a setext underline (`- -`, or `- `
// under a paragraph).
const followedByBlank = `(?=${LINE_BLANK})`;
const NON_DASH_CONTAINER = `(?:${markClass(">")}|${markClass("*", "+")}${followedByBlank}|\\p{Nd}+${markClass(".", ")")}${followedByBlank})${LINE_BLANK}*`;
const CONTAINER = `(?:${NON_DASH_CONTAINER}|${markClass("-")}${followedByBlank}${LINE_BLANK}*)`;
// What makes the rest of a line structural, a dash underline aside: a heading mark, a fence, `<`, an `=` underline.
const OPENER = `(?:${markClass("#")}|${markClass("`")}{3}|${markClass("~")}{3}|${markClass("<")}|${underlineOf("=")})`;

// The structural lines of a text whose only line break is LF, exactly as `isStructuralLine` reads
// them (the test checks the two agree); group 1 is the blanks before the first visible character,
// where the backslash goes. One native pass, linear in the text: each `(?=(…))\N` is an atomic
// group (it never gives back what it matched), so no line is read twice from many starting points.
// - An opener but a dash underline begins with none of the container markers' characters, so
//   the line is structural exactly when one follows all of its container markers.
// - A dash underline may begin with dash bullets (`- - -`): it is structural exactly when what
//   follows the last marker that is not a dash bullet is a dash underline.
const STRUCTURAL_LINE = new RegExp(
  `^(?=(${LINE_BLANK}*))\\1(?=(?=(${CONTAINER}*))\\2${OPENER}|(?=((?:${CONTAINER}*${NON_DASH_CONTAINER})?))\\3${underlineOf("-")})`,
  "gmu",
);

/** The mark a visible character reads as, or undefined. */
function markOf(char: string | undefined): string | undefined {
  if (char === undefined || MARKS.includes(char)) return char;
  return MARK_LOOK_ALIKES.get(char);
}

const isBlank = (char: string | undefined) => {
  if (char === undefined) return false;
  const code = char.charCodeAt(0);
  // ASCII (nearly every character) needs no property lookup: space and controls are blank.
  return code < 0x80 ? code <= 0x20 || code === 0x7f : BLANK.test(char);
};
const isDigit = (char: string | undefined) => char !== undefined && /^\p{Nd}$/u.test(char);

/** Does what is left of a line, from its first visible character, open a heading, a fence or an HTML block? */
function opensBlock(rest: readonly string[]): boolean {
  const first = markOf(rest[0]);
  if (first === "#" || first === "<") return true;
  if ((first === "`" || first === "~") && markOf(rest[1]) === first && markOf(rest[2]) === first) return true;
  // A setext underline: nothing visible but one mark, `=` or `-`.
  return (first === "=" || first === "-") && rest.every((char) => isBlank(char) || markOf(char) === first);
}

/** The length of the container marker at the start of `rest` (`>`, a bullet or an ordinal followed by a blank), or 0. */
function containerMarker(rest: readonly string[]): number {
  const mark = markOf(rest[0]);
  if (mark === ">") return 1;
  if ((mark === "-" || mark === "*" || mark === "+") && isBlank(rest[1])) return 1;
  let digits = 0;
  while (isDigit(rest[digits])) digits++;
  // The ordinal's `.` or `)` may itself be a digit (Arabic-Indic zero reads as a dot): try the last digit as it too.
  for (const end of [digits, digits - 1]) {
    const punct = markOf(rest[end]);
    if (end > 0 && (punct === "." || punct === ")") && isBlank(rest[end + 1])) return end + 1;
  }
  return 0;
}

/**
 * Is this one line structural (see the module comment): after blanks and any container markers, a
 * heading mark, a fence, `<` or a setext underline (their marks or look-alikes)? The readable
 * reference of what `escapePromptBlock` escapes, tried at every run of markers in turn (so
 * quadratic on a line of thousands of markers, where the regular expression stays linear).
 */
export function isStructuralLine(line: string): boolean {
  let rest = [...line];
  const skipBlanks = () => {
    let at = 0;
    while (isBlank(rest[at])) at++;
    rest = rest.slice(at);
  };
  skipBlanks();
  for (;;) {
    if (opensBlock(rest)) return true;
    const marker = containerMarker(rest);
    if (!marker) return false;
    rest = rest.slice(marker);
    skipBlanks();
  }
}

/**
 * Multi-line foreign text, safe to place under an assembler heading: line breaks unified to LF, and
 * every structural line (see `isStructuralLine`) given a `\` before its first visible character;
 * so is every line of more than 4,096 UTF-16 units (LONG_LINE_UNITS). Other text is left byte for byte.
 */
export function escapePromptBlock(text: string): string {
  const unified = text.replace(OTHER_BREAK, "\n");
  if (!hasLongLine(unified)) return unified.replace(STRUCTURAL_LINE, "$1\\");
  return unified
    .split("\n")
    .map((line) => (line.length > LONG_LINE_UNITS ? escapeFirstVisible(line) : line.replace(STRUCTURAL_LINE, "$1\\")))
    .join("\n");
}

/**
 * Lines longer than this many UTF-16 units are escaped whatever they hold. STRUCTURAL_LINE keeps a
 * backtracking frame per blank or marker it passes, so a line of millions of them (an upload of
 * 9.5 MB of spaces, tabs and controls on one line) overflowed the stack and every context holding
 * the plugin answered 500. A backslash before the first visible character never changes what an
 * ordinary long line says, and always makes a paragraph of a structural one.
 */
const LONG_LINE_UNITS = 4096;

/** Is any line longer than LONG_LINE_UNITS? A scan from line break to line break: linear, where a regular expression such as `[^\n]{4097}` retries from every position. */
function hasLongLine(text: string): boolean {
  for (let at = 0; at <= text.length; ) {
    const end = text.indexOf("\n", at);
    const stop = end < 0 ? text.length : end;
    if (stop - at > LONG_LINE_UNITS) return true;
    at = stop + 1;
  }
  return false;
}

/** `line` with a backslash before its first visible character (at its end when it has none): one linear pass. */
function escapeFirstVisible(line: string): string {
  let at = 0;
  for (const char of line) {
    if (!isBlank(char)) break;
    at += char.length;
  }
  return `${line.slice(0, at)}\\${line.slice(at)}`;
}

/**
 * Foreign text for one line of the prompt (a name, a tag, a path in a heading): every control,
 * line-break, zero-width, bidi or other invisible character becomes a space, then NFC with spaces
 * collapsed (src/domain/text.ts `cleanText`). Never contains a line break.
 */
export function promptLine(text: string): string {
  return cleanText(text);
}
