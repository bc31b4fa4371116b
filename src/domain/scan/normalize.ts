import unhomoglyph from "unhomoglyph";

/**
 * Normalisation before matching (issue 28 item 1). Each step is pure and works on one line or on a
 * list of lines; the scanner applies them in the order NFKC → invisible characters removed →
 * confusable letters folded, then joins continued lines and builds line windows. The original text
 * is kept by the caller for excerpts; these forms are only matched against.
 */

/** Unicode NFKC: full-width `ｃｕｒｌ`, ligatures and other compatibility forms become plain letters. */
export function nfkc(text: string): string {
  return text.normalize("NFKC");
}

// "Invisible" means a Unicode default-ignorable code point, as src/domain/text.ts and design.md §54
// treat it: zero-width characters, bidi controls, tag characters, variation selectors, soft hyphen,
// U+FEFF and the rest of the property.
const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
// Embeddings, overrides and isolates reorder text (Trojan Source); the marks (LRM, RLM, ALM) only
// nudge neutral characters and are ordinary in right-to-left writing.
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;
const BIDI_MARK = /[\u061C\u200E\u200F]/gu;
const RIGHT_TO_LEFT = /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
// A zero-width joiner between emoji builds one emoji ("👩‍💻"); it hides nothing.
const EMOJI_JOINER = /(?<=\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}\uFE0F]?)\u200D(?=\p{Extended_Pictographic})/gu;
const TAG_CHARACTER = /[\u{E0000}-\u{E007F}]/u;
// One variation selector after an emoji is ordinary; a selector from the supplement, or two in a
// row, is how "emoji smuggling" hides bytes.
const SMUGGLING_SELECTORS = /[\u{E0100}-\u{E01EF}]|[\uFE00-\uFE0F\u180B-\u180F]{2}/u;
const VARIATION_SELECTOR = /[\uFE00-\uFE0F\u180B-\u180F\u{E0100}-\u{E01EF}]/u;
const OTHER_INVISIBLE = new RegExp(`(?![\\uFE00-\\uFE0F\\u180B-\\u180F\\u{E0100}-\\u{E01EF}\\u{E0000}-\\u{E007F}\\u202A-\\u202E\\u2066-\\u2069])\\p{Default_Ignorable_Code_Point}`, "u");

/** The line with every default-ignorable code point removed, so `cu\u200Brl` reads `curl`. */
export function stripInvisible(text: string): string {
  return text.replace(DEFAULT_IGNORABLE, "");
}

export type InvisibleKind = "bidi" | "tag" | "smuggling-selectors" | "invisible";

/**
 * The kinds of invisible character a line holds, each with the index of its first occurrence.
 * Not reported: a byte-order mark at the very start of a file (`firstLine`), a lone variation
 * selector (emoji presentation), a zero-width joiner inside an emoji sequence, and left-to-right or
 * right-to-left marks on a line written in a right-to-left script. A mark elsewhere is "invisible".
 */
export function invisibleKinds(line: string, firstLine = false): Array<{ kind: InvisibleKind; index: number }> {
  // Allowed characters are replaced by a visible one of the same length, so indexes still point
  // into the line.
  let text = firstLine && line.startsWith("\uFEFF") ? ` ${line.slice(1)}` : line;
  text = text.replace(EMOJI_JOINER, "+");
  if (RIGHT_TO_LEFT.test(text)) text = text.replace(BIDI_MARK, "+");
  const out: Array<{ kind: InvisibleKind; index: number }> = [];
  const add = (kind: InvisibleKind, re: RegExp) => {
    const index = text.search(re);
    if (index >= 0) out.push({ kind, index });
  };
  add("bidi", BIDI_CONTROL);
  add("tag", TAG_CHARACTER);
  add("smuggling-selectors", SMUGGLING_SELECTORS);
  add("invisible", OTHER_INVISIBLE);
  return out;
}

/** Text hidden in Unicode tag characters (U+E0020–E007E mirror ASCII 0x20–0x7E), made readable. */
export function decodeTagCharacters(text: string): string {
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xe0020 && cp <= 0xe007e) out += String.fromCharCode(cp - 0xe0000);
  }
  return out;
}

/**
 * Bytes hidden in variation selectors (U+FE00–FE0F carry 0–15, U+E0100–E01EF carry 16–255), read
 * as UTF-8; empty when the line carries fewer than 4 such bytes.
 */
export function decodeVariationSelectors(text: string): string {
  const bytes: number[] = [];
  for (const ch of text) {
    if (!VARIATION_SELECTOR.test(ch)) continue;
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xfe00 && cp <= 0xfe0f) bytes.push(cp - 0xfe00);
    else if (cp >= 0xe0100) bytes.push(cp - 0xe0100 + 16);
  }
  if (bytes.length < 4) return "";
  return new TextDecoder().decode(new Uint8Array(bytes));
}

const foldCache = new Map<string, string>();
const NON_ASCII_LETTER = /[^\x00-\x7F]/gu;

/**
 * Confusable letters folded to their Latin skeleton (Unicode TR39 confusables.txt through the
 * `unhomoglyph` package), so Cyrillic `с` in `сurl` reads `c`. Only non-ASCII characters whose
 * prototype is plain ASCII letters are replaced: ASCII is left alone (the confusables table maps `|`
 * to `l` and `0` to `O`, which would break the command vocabulary).
 */
export function foldConfusables(text: string): string {
  return text.replace(NON_ASCII_LETTER, (ch) => {
    let folded = foldCache.get(ch);
    if (folded === undefined) {
      const skeleton = unhomoglyph(ch);
      folded = /^[A-Za-z]{1,3}$/.test(skeleton) ? skeleton : ch;
      if (foldCache.size < 10_000) foldCache.set(ch, folded);
    }
    return folded;
  });
}

/** The form every rule is matched against: NFKC, invisible characters removed, confusables folded. */
export function normalizeLine(line: string): string {
  return foldConfusables(stripInvisible(nfkc(line)));
}

/**
 * A stretch of text made of one or more consecutive lines. `starts[i]` is the offset in `text`
 * where line `first + i` begins, so a match index maps back to the original line (`lineAt`).
 */
export interface Unit {
  text: string;
  /** 0-based index of the first line. */
  first: number;
  starts: number[];
}

/** The 0-based line of `unit` holding offset `index`. */
export function lineAt(unit: Unit, index: number): number {
  let i = 0;
  while (i + 1 < unit.starts.length && unit.starts[i + 1]! <= index) i++;
  return unit.first + i;
}

function joined(lines: readonly string[], first: number, count: number, cut: (line: string, last: boolean) => string): Unit {
  let text = "";
  const starts: number[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) text += " ";
    starts.push(text.length);
    text += cut(lines[first + i]!, i === count - 1);
  }
  return { text, first, starts };
}

/**
 * Where `line`'s continuation character sits, or -1: sh/bash/zsh `\`, PowerShell `` ` `` (after a
 * blank) or cmd `^`, followed by at most 8 blanks at the very end. Read from the end of the line (a
 * pattern ending in `$` would be tried at every `\` of a long line).
 */
function continuationAt(line: string): number {
  let end = line.length;
  while (end > 0 && line.length - end < 8 && (line[end - 1] === " " || line[end - 1] === "\t")) end--;
  const last = line[end - 1];
  // A backtick continues only after a blank (PowerShell's ` `` ` ``): a line ending a code fence
  // (` ``` `) or an inline code span (`` run `npm test` ``) does not.
  if (last === "`") return end >= 2 && (line[end - 2] === " " || line[end - 2] === "\t") ? end - 1 : -1;
  return last === "\\" || last === "^" ? end - 1 : -1;
}

/**
 * True when `line` ends in `|`, `||` or `&&` (then at most 8 blanks): sh reads the command on past
 * the line break, and past blank lines (issue 28 second review, C: `curl U |`, three blank lines,
 * `bash`). A markdown table row (first non-blank character `|`) is not a command.
 */
function operatorContinues(line: string): boolean {
  let end = line.length;
  while (end > 0 && line.length - end < 8 && (line[end - 1] === " " || line[end - 1] === "\t")) end--;
  const last = line[end - 1];
  if (last !== "|" && !(last === "&" && line[end - 2] === "&")) return false;
  let start = 0;
  while (start < end && (line[start] === " " || line[start] === "\t")) start++;
  return line[start] !== "|";
}

/** Blank lines an operator continuation may skip before the next command. */
const MAX_SKIPPED_BLANK = 5;

/**
 * Lines ending in a continuation character (`\` sh, `` ` `` PowerShell, `^` cmd) joined with the
 * next, the character removed; and lines ending in `|`, `||` or `&&` joined with the next non-blank
 * line (at most MAX_SKIPPED_BLANK blank lines between, kept as blanks), the operator kept. Only runs
 * of two or more lines are returned (at most 50 lines each), in order of their first line. Cost:
 * each line is looked at a bounded number of times, from its ends.
 */
export function joinContinuations(lines: readonly string[]): Unit[] {
  const units: Unit[] = [];
  let i = 0;
  while (i < lines.length) {
    let end = i;
    for (;;) {
      if (end + 1 >= lines.length || end - i >= 49) break;
      if (continuationAt(lines[end]!) >= 0) {
        end++;
        continue;
      }
      if (!operatorContinues(lines[end]!)) break;
      let next = end + 1;
      while (next < lines.length && next - end <= MAX_SKIPPED_BLANK && !NON_BLANK.test(lines[next]!)) next++;
      if (next >= lines.length || next - end > MAX_SKIPPED_BLANK || next - i > 49) break;
      end = next;
    }
    if (end > i) units.push(joined(lines, i, end - i + 1, (line, last) => (last || continuationAt(line) < 0 ? line : line.slice(0, continuationAt(line)))));
    i = end + 1;
  }
  return units;
}

/**
 * The lines read as one text, each line break a space and each blank line a NUL (so a phrase does
 * not run on across paragraphs). `starts[k]` is where line k begins; `starts[lines.length]` is the
 * text's length plus one. The scanner lets a match that starts on line L run to the end of line
 * L + 2, so a command or phrase split over up to three lines is seen whole.
 */
export function lineWindowText(lines: readonly string[]): { text: string; starts: Int32Array } {
  const starts = new Int32Array(lines.length + 1);
  const parts: string[] = new Array(lines.length);
  let length = 0;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    // A blank line becomes one NUL; tested without trim() so no string is built per line.
    const part = NON_BLANK.test(line) ? line : "\0";
    parts[k] = part;
    starts[k] = length;
    length += part.length + 1;
  }
  starts[lines.length] = length;
  return { text: parts.join(" "), starts };
}

const NON_BLANK = /\S/;

/** Every expression above, for the ReDoS check (test/node/scan-redos.test.ts). */
export const NORMALIZE_PATTERNS: readonly RegExp[] = [DEFAULT_IGNORABLE, BIDI_CONTROL, BIDI_MARK, RIGHT_TO_LEFT, EMOJI_JOINER, TAG_CHARACTER, SMUGGLING_SELECTORS, VARIATION_SELECTOR, OTHER_INVISIBLE, NON_ASCII_LETTER, NON_BLANK];
