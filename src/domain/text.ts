/**
 * Rules shared by every piece of user text that people compare by eye: item names, tags and category
 * references (issue 9 item 3; the registries' lesson that look-alike and invisible characters let one
 * publisher pass for another).
 */

// Variation selectors pick a glyph variant (emoji vs text presentation, CJK forms); they are the only
// default-ignorable characters a name may keep. The skeleton drops them, so they cannot tell names apart.
const VARIATION_SELECTOR = /[\u180B-\u180D\u180F\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu;

// Control (Cc, incl. tab and newline), format (Cf: zero-width and bidi controls such as U+200B and
// U+202E), lone surrogates (Cs), line/paragraph separators (Zl, Zp), private-use (Co) and unassigned
// (Cn) code points, and the other default-ignorables (U+034F, U+115F, U+3164, U+FFA0, …): each is
// invisible or renders differently from what is stored.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Co}\p{Cn}]|(?![\u180B-\u180D\u180F\uFE00-\uFE0F\u{E0100}-\u{E01EF}])\p{Default_Ignorable_Code_Point}/u;
const FORBIDDEN_ALL = new RegExp(FORBIDDEN.source, "gu");

/** Something a reader can see: a letter, digit, punctuation mark or symbol. */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** The first character that may not appear in user-visible text, as `U+XXXX`, or undefined. */
export function forbiddenCharacter(text: string): string | undefined {
  const match = FORBIDDEN.exec(text);
  if (!match) return undefined;
  return `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

export const FORBIDDEN_MESSAGE = "must not contain control, format (zero-width) or bidirectional characters";

export function forbiddenMessage(text: string): string {
  return `${FORBIDDEN_MESSAGE} (found ${forbiddenCharacter(text)})`;
}

/**
 * NFC (so "Cafe\u0301" and "Caf\u00e9" are one string), then every run of Unicode spaces (U+0020,
 * U+00A0, U+2000–U+200A, U+3000, …: general category Zs) becomes one U+0020, trimmed at both ends.
 * Idempotent; leaves forbidden characters in place for the caller to refuse.
 */
export function normalizeText(text: string): string {
  // Not String.trim(): it would silently drop a leading or trailing tab, newline or U+FEFF, which are refused instead.
  return text.normalize("NFC").replace(/\p{Zs}+/gu, " ").replace(/^ | $/g, "");
}

/** For stored data that predates the rules: forbidden characters become spaces, then `normalizeText`. */
export function cleanText(text: string): string {
  return normalizeText(text.replace(FORBIDDEN_ALL, " "));
}

export function hasVisibleCharacter(text: string): boolean {
  return VISIBLE.test(text);
}

/** Length in code points, as PostgreSQL's length() counts it. */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function withoutVariationSelectors(text: string): string {
  return text.replace(VARIATION_SELECTOR, "");
}
