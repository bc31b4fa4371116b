/**
 * Token estimate for context budgets (issue 15 item 4).
 *
 * Why an estimate and not a tokenizer library: the maintained Workers-compatible tokenizer
 * (`gpt-tokenizer`) ships its rank table in the bundle. Measured with gzip -9 on its modules:
 * cl100k_base adds 446 KB, o200k_base 1036 KB, p50k_base 203 KB, against a worker of 451.5 KiB
 * gzip whose target is 512 KiB (budget 1 MiB); measured on the whole worker with cl100k imported:
 * 909.5 KiB gzip against 459.9 without. Every encoding breaks the target, and the cheap
 * ones (p50k/r50k) are not what current models use, so they would be estimates too.
 *
 * The estimate follows cl100k_base's pre-tokenizer and rounds every piece up, so that a context
 * that fits by this count fits for real:
 * - a run of ASCII letters costs one token per 4 letters (rounded up; English words are mostly
 *   one token), and a single space or punctuation mark right before it is free (cl100k glues it on);
 * - a run of digits costs one token per 3 digits (cl100k splits numbers into groups of 3 at most);
 * - a run of spaces costs one token; any other ASCII character one;
 * - a non-ASCII character costs 1 (below U+0800: accented Latin, Greek, Cyrillic…), 2 (the rest
 *   of the BMP: CJK, Hangul…) or 3 (emoji and other astral characters).
 * test/plugins/tokens.test.ts checks it against gpt-tokenizer's cl100k_base (a dev dependency) on
 * prose, markdown, code, JSON, numbers and non-Latin text: never below the real count, and at most
 * about twice it (prose ~1.4×, a 2000-line document ~1.26×, CJK ~2.3×). Known blind spot: letter
 * runs that are not words (base64, random ids) split into more tokens than this counts (a base64
 * line: 52 real, 28 estimated); plugin prose rarely holds them and the surplus elsewhere absorbs a little.
 */
export function estimateTokens(text: string): number {
  let tokens = 0;
  let letters = 0;
  let digits = 0;
  let spaces = 0;
  // One ASCII non-alphanumeric character that a following letter run would absorb.
  let glue = 0;
  const flush = () => {
    tokens += Math.ceil(letters / 4) + Math.ceil(digits / 3) + (spaces > 0 ? 1 : 0) + glue;
    letters = digits = spaces = glue = 0;
  };
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const letter = (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
    if (letter) {
      if (digits || spaces > 1) flush();
      if (spaces === 1 || glue) {
        // " word" / ".word" is one piece: the glued character costs nothing.
        spaces = 0;
        glue = 0;
      }
      letters++;
      continue;
    }
    if (code >= 48 && code <= 57) {
      if (letters || spaces || glue) flush();
      digits++;
      continue;
    }
    if (code === 32 && spaces > 0) {
      // Further spaces extend the run: still one token.
      spaces++;
      continue;
    }
    flush();
    if (code === 32) {
      spaces = 1;
      continue;
    }
    // Line breaks never glue onto a word in cl100k's pre-tokenizer.
    if (code === 10 || code === 13) tokens++;
    else if (code < 0x80) glue = 1;
    else tokens += code < 0x800 ? 1 : code < 0x10000 ? 2 : 3;
  }
  flush();
  return tokens;
}

/** Joins context parts; each separator is counted as SEPARATOR_TOKENS by the assembler. */
export const CONTEXT_SEPARATOR = "\n\n";
export const SEPARATOR_TOKENS = estimateTokens(CONTEXT_SEPARATOR);
