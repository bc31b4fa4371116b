import confusables from "unhomoglyph/data.json";
import { cleanText } from "./text";

/**
 * Text that goes into an assembled system prompt without being the assembler's own (issue 26
 * item 1): plugin files, names, descriptions and tags, the persona prompt (a cloned marketplace
 * agent's persona is another tenant's text), tool descriptions.
 *
 * The prompt's structure is the Markdown headings the assembler writes (`## Persona`,
 * `## Plugin: …`, `### <file>`, `## Tools`); the structured `plugins[]`, `persona` and `tools`
 * fields of the response stay the source of truth. So that no other text can start a section,
 * every line of foreign text that a reader (a Markdown renderer or a model) could take for a
 * heading is escaped with a leading backslash (CommonMark's escape: `\## Tools` is the text
 * "## Tools"), and names go on one line. What counts as a heading line:
 * - its first visible character is a number sign or a look-alike (`#`, full-width `＃`, small `﹟`,
 *   music sharp `♯`), after any spaces, tabs and invisible characters (zero-width, bidi, controls);
 * - it is a setext underline: nothing visible but `=` or nothing visible but `-` (or their
 *   look-alikes: en dash, minus sign, full-width forms…), which turns the line above into a heading.
 * Every line break a reader may honour (CR LF, CR, LF, VT, FF, NEL, U+2028, U+2029) is read as one,
 * and written as LF. Escaping only adds characters, so a token estimate must be taken over the
 * escaped text (src/services/plugins/content.ts does, for the cached `context_tokens`).
 */

// Every line break but LF, to be written as LF (CR LF first, so it becomes one).
const OTHER_BREAK = /\r\n|[\v\f\r\u0085\u2028\u2029]/g;

// Characters that show nothing before the first visible one: white space, controls, format
// characters (zero-width, bidi) and the other default-ignorables.
const BLANK_CLASS = String.raw`\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}`;
const BLANK = new RegExp(`^[${BLANK_CLASS}]$`, "u");

/** The ASCII marks that make a heading line: `#` first, or a line of only `=` or only `-`. */
type Mark = "#" | "=" | "-";
const MARKS: readonly string[] = ["#", "=", "-"];

// Compatibility forms (small, full-width, superscript, subscript) that NFKC folds to a mark or to
// a look-alike of one: every such code point, found by folding all of Unicode (the test checks
// it). NFKC mappings never change once assigned (Unicode's normalization stability policy).
const NFKC_MARKS = "\u207B\u207C\u208B\u208C\uFE32\uFE5F\uFE63\uFE66\uFF03\uFF0D\uFF1D";

/**
 * Every non-ASCII character that reads as a mark, with the mark: the TR39 confusables of the
 * marks (the `unhomoglyph` table names.ts uses: en dash, minus sign, hyphens, Coptic Ⲻ, …), the
 * compatibility forms above, and the music sharp sign, which the table leaves out. Shares the
 * table's module with `unhomoglyph`, so it adds nothing to the bundle.
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

/** A regular-expression class of a mark and its look-alikes (as `\u{…}` escapes: no class syntax can leak in). */
const markClass = (mark: Mark) =>
  `[${[mark, ...[...MARK_LOOK_ALIKES].filter(([, m]) => m === mark).map(([c]) => c)].map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join("")}]`;
const LINE_BLANK = `(?:(?!\\n)[${BLANK_CLASS}])`;
const underlineOf = (mark: Mark) => `${markClass(mark)}(?:${LINE_BLANK}|${markClass(mark)})*`;

// The heading lines of a text whose only line break is LF, exactly as `isHeadingLine` reads them:
// blanks, then a number sign and anything, or a setext underline of one mark (the test checks
// the two agree). A regular expression, so that escaping costs one native pass over the text.
const HEADING_LINE = new RegExp(`^${LINE_BLANK}*(?:${markClass("#")}.*|${underlineOf("=")}|${underlineOf("-")})$`, "gmu");

/** The mark a visible character reads as, or undefined. */
function markOf(char: string): string | undefined {
  if (MARKS.includes(char)) return char;
  return MARK_LOOK_ALIKES.get(char);
}

const isBlank = (char: string) => {
  const code = char.charCodeAt(0);
  // ASCII (nearly every character) needs no property lookup: space and controls are blank.
  return code < 0x80 ? code <= 0x20 || code === 0x7f : BLANK.test(char);
};

/** Does this one line read as a Markdown heading or a setext underline (its marks or their look-alikes)? */
export function isHeadingLine(line: string): boolean {
  // Most lines are decided by their first visible character; the rest is read only for a setext candidate.
  let underline: string | undefined;
  for (const char of line) {
    if (isBlank(char)) continue;
    const mark = markOf(char);
    if (underline === undefined) {
      if (mark === "#") return true;
      if (mark === undefined) return false;
      underline = mark;
    } else if (mark !== underline) return false;
  }
  return underline !== undefined;
}

/**
 * Multi-line foreign text, safe to place under an assembler heading: line breaks unified to LF, and
 * every heading line (see `isHeadingLine`) prefixed with `\`. Other text is left byte for byte.
 */
export function escapePromptBlock(text: string): string {
  return text.replace(OTHER_BREAK, "\n").replace(HEADING_LINE, "\\$&");
}

/**
 * Foreign text for one line of the prompt (a name, a tag, a path in a heading): every control,
 * line-break, zero-width, bidi or other invisible character becomes a space, then NFC with spaces
 * collapsed (src/domain/text.ts `cleanText`). Never contains a line break.
 */
export function promptLine(text: string): string {
  return cleanText(text);
}
