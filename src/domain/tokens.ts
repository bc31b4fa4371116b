/**
 * Token estimate for context budgets (issue 15 item 4).
 *
 * Why an estimate and not a tokenizer library: the maintained Workers-compatible tokenizer
 * (`gpt-tokenizer`) ships its rank table in the bundle. Measured with gzip -9 on its modules:
 * cl100k_base adds 446 KB, o200k_base 1036 KB, p50k_base 203 KB, against a worker of 451.5 KiB
 * gzip whose target is 512 KiB (budget 1 MiB). Every encoding breaks the target, and the cheap
 * ones (p50k/r50k) are not what current models use, so they would be estimates too.
 *
 * The estimate is built to over-count cl100k_base, so a context that fits by this count fits for
 * real: a run of ASCII letters or digits costs one token per 3 characters (rounded up; cl100k
 * averages about 4 and splits digit runs into groups of at most 3), every other ASCII character one
 * token, except that a run of spaces costs one, and every byte of a non-ASCII character one token
 * (a byte-level BPE never needs more tokens than bytes). test/plugins/tokens.test.ts checks it
 * against gpt-tokenizer's cl100k_base (a dev dependency) on prose, markdown, code, JSON and
 * non-Latin text: never below the real count and at most about twice it.
 */
export function estimateTokens(text: string): number {
  let tokens = 0;
  let run = 0;
  let previousSpace = false;
  const flushRun = () => {
    tokens += Math.ceil(run / 3);
    run = 0;
  };
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const alnum = (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
    if (alnum) {
      run++;
      previousSpace = false;
      continue;
    }
    flushRun();
    if (code === 32) {
      if (!previousSpace) tokens++;
      previousSpace = true;
      continue;
    }
    previousSpace = false;
    tokens += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  flushRun();
  return tokens;
}

/** Joins context parts; each separator is counted as SEPARATOR_TOKENS by the assembler. */
export const CONTEXT_SEPARATOR = "\n\n";
export const SEPARATOR_TOKENS = estimateTokens(CONTEXT_SEPARATOR);
