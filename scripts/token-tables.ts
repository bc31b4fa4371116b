// Derives the small tables behind the token estimate (src/domain/tokens.ts) from cl100k_base's
// vocabulary, and writes them to src/domain/token-tables.ts (issue 26 item 10). The tokenizer is a
// dev dependency: only these few kilobytes of derived data reach the worker, never the rank table.
//
//   npx tsx scripts/token-tables.ts          rewrite src/domain/token-tables.ts
//
// test/node/token-estimate.test.ts derives the tables again and fails when the file is stale.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { decode, encode } from "gpt-tokenizer/encoding/cl100k_base";
import { PROJECT_ROOT } from "./stack/paths";

/** The 32 printable ASCII characters that are neither letters, digits nor space, in code order. */
export const ASCII_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/**
 * Token ids in cl100k_base are merge ranks: the lower the id, the earlier the merge, the more
 * common the fragment in the tokenizer's training text. The letter tables keep the first 20,000
 * (the English and code fragments: taking every token would also admit the trigrams of junk
 * strings), upper-case words every rank (there are few of them), punctuation pairs the first
 * 30,000, and whole punctuation tokens the first 5,000 (their list is the largest table).
 */
const LETTER_RANKS = 20_000;
const PUNCT_PAIR_RANKS = 30_000;
const PUNCT_TOKEN_RANKS = 5_000;

/** The derived tables, each in the form src/domain/token-tables.ts stores it. */
export interface TokenTables {
  /** Bitmap (base64) over the 26³ lower-case trigrams `abc` → bit (a·26 + b)·26 + c: found inside a lower-case or capitalised letter token. */
  lowerTrigrams: string;
  /** Bitmap over the 26² lower-case bigrams, same rule. */
  lowerBigrams: string;
  /** Bitmap over the 26³ upper-case trigrams: found inside an all-capitals token (any rank). */
  upperTrigrams: string;
  /** Bitmap over the 26² upper-case bigrams, same rule. */
  upperBigrams: string;
  /** Bitmap over the 32² pairs of ASCII_PUNCT characters found inside a punctuation-only token. */
  punctPairs: string;
  /** Bitmap over (ASCII_PUNCT character, lower-cased letter) pairs that start a token. */
  gluePairs: string;
  /** Punctuation-only tokens (optional leading space, optional trailing line breaks), rank order. */
  punctTokens: string[];
  /** Code points from U+0800 up that are one token on their own, as varint deltas (see decodeCodePoints). */
  singleTokenChars: string;
  /**
   * For each ASCII_PUNCT character c, the largest R (hex digit, 1–15) such that a run of n ≥ 2
   * copies, alone or after a space, never takes more than 1 + (n − 1)/R tokens (checked to n = 300).
   */
  sameCharRuns: string;
  /** For runs of spaces, tabs, line feeds and CR LF pairs: the largest R with ⌈n/R⌉ ≥ tokens (to n = 400). */
  whitespaceRuns: { space: number; tab: number; newline: number; crlf: number };
}

const VARINT_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function bitmap(bits: number, isSet: (index: number) => boolean): string {
  const bytes = new Uint8Array(Math.ceil(bits / 8));
  for (let i = 0; i < bits; i++) if (isSet(i)) bytes[i >> 3]! |= 1 << (i & 7);
  return Buffer.from(bytes).toString("base64");
}

function letterIndex(text: string, base: number): number {
  let index = 0;
  for (let i = 0; i < text.length; i++) index = index * 26 + (text.charCodeAt(i) - base);
  return index;
}

/** Encodes ascending code points as deltas from U+07FF, each in base 32, continuation digits first (+32). */
function encodeCodePoints(codePoints: number[]): string {
  let out = "";
  let previous = 0x7ff;
  for (const codePoint of codePoints) {
    let delta = codePoint - previous - 1;
    previous = codePoint;
    const digits: number[] = [];
    do {
      digits.push(delta & 31);
      delta >>= 5;
    } while (delta > 0);
    for (let i = digits.length - 1; i >= 0; i--) out += VARINT_DIGITS[digits[i]! + (i > 0 ? 32 : 0)];
  }
  return out;
}

/** Reads cl100k_base's vocabulary and derives every table. Takes a few seconds. */
export function deriveTokenTables(): TokenTables {
  const lowerTrigrams = new Set<number>();
  const lowerBigrams = new Set<number>();
  const upperTrigrams = new Set<number>();
  const upperBigrams = new Set<number>();
  const punctPairs = new Set<number>();
  const gluePairs = new Set<number>();
  const punctTokens: string[] = [];
  const singleTokenChars: number[] = [];
  const punctIndex = (char: string) => ASCII_PUNCT.indexOf(char);

  for (let id = 0; id < 100_256; id++) {
    const token = decode([id]);
    const word = /^ ?([A-Za-z]+)$/.exec(token)?.[1];
    if (word && id < LETTER_RANKS && /^[A-Z]?[a-z]+$/.test(word)) {
      const lower = word.toLowerCase();
      for (let i = 0; i + 3 <= lower.length; i++) lowerTrigrams.add(letterIndex(lower.slice(i, i + 3), 97));
      for (let i = 0; i + 2 <= lower.length; i++) lowerBigrams.add(letterIndex(lower.slice(i, i + 2), 97));
    }
    if (word && /^[A-Z]+$/.test(word)) {
      for (let i = 0; i + 3 <= word.length; i++) upperTrigrams.add(letterIndex(word.slice(i, i + 3), 65));
      for (let i = 0; i + 2 <= word.length; i++) upperBigrams.add(letterIndex(word.slice(i, i + 2), 65));
    }
    if (id < LETTER_RANKS && /^[!-\/:-@[-`{-~][A-Za-z]/.test(token)) {
      gluePairs.add(punctIndex(token[0]!) * 26 + (token.toLowerCase().charCodeAt(1) - 97));
    }
    if (id < PUNCT_PAIR_RANKS && /^[!-\/:-@[-`{-~]+$/.test(token)) {
      for (let i = 0; i + 2 <= token.length; i++) punctPairs.add(punctIndex(token[i]!) * 32 + punctIndex(token[i + 1]!));
    }
    if (id < PUNCT_TOKEN_RANKS && /^ ?[!-\/:-@[-`{-~]+[\r\n]*$/.test(token)) punctTokens.push(token);
    const codePoint = token.codePointAt(0)!;
    // A token can decode to a character without being its UTF-8 bytes (lenient decoding of a partial
    // sequence): keep only characters that really encode as one token.
    if (codePoint >= 0x800 && codePoint !== 0xfffd && [...token].length === 1 && encode(token).length === 1) singleTokenChars.push(codePoint);
  }

  let sameCharRuns = "";
  for (const char of ASCII_PUNCT) {
    let r = 15;
    for (let n = 2; n <= 300; n++) {
      const tokens = Math.max(encode(char.repeat(n)).length, encode(` ${char.repeat(n)}`).length);
      while (r > 1 && 1 + (n - 1) / r < tokens) r--;
    }
    sameCharRuns += r.toString(16);
  }
  const runDivisor = (unit: string, max: number) => {
    let r = 200;
    for (let n = 1; n <= max; n++) {
      const tokens = encode(unit.repeat(n)).length;
      while (r > 1 && Math.ceil(n / r) < tokens) r--;
    }
    return r;
  };

  return {
    lowerTrigrams: bitmap(26 ** 3, (i) => lowerTrigrams.has(i)),
    lowerBigrams: bitmap(26 ** 2, (i) => lowerBigrams.has(i)),
    upperTrigrams: bitmap(26 ** 3, (i) => upperTrigrams.has(i)),
    upperBigrams: bitmap(26 ** 2, (i) => upperBigrams.has(i)),
    punctPairs: bitmap(32 * 32, (i) => punctPairs.has(i)),
    gluePairs: bitmap(32 * 26, (i) => gluePairs.has(i)),
    punctTokens,
    singleTokenChars: encodeCodePoints([...new Set(singleTokenChars)].sort((a, b) => a - b)),
    sameCharRuns,
    whitespaceRuns: { space: runDivisor(" ", 400), tab: runDivisor("\t", 400), newline: runDivisor("\n", 400), crlf: runDivisor("\r\n", 400) },
  };
}

/** The text of src/domain/token-tables.ts for `tables`. */
export function renderTokenTables(tables: TokenTables): string {
  const line = (name: string, value: unknown, doc: string) => `/** ${doc} */\nexport const ${name} = ${JSON.stringify(value)};\n`;
  return [
    "// Generated by scripts/token-tables.ts from cl100k_base (gpt-tokenizer); do not edit.",
    "// What each table holds and why: scripts/token-tables.ts (TokenTables). Used by ./tokens.ts.\n",
    line("LOWER_TRIGRAMS", tables.lowerTrigrams, "Base64 bitmap: lower-case trigram (a·26 + b)·26 + c occurs inside a common letter token."),
    line("LOWER_BIGRAMS", tables.lowerBigrams, "Base64 bitmap: lower-case bigram a·26 + b occurs inside a common letter token."),
    line("UPPER_TRIGRAMS", tables.upperTrigrams, "Base64 bitmap: upper-case trigram occurs inside an all-capitals token."),
    line("UPPER_BIGRAMS", tables.upperBigrams, "Base64 bitmap: upper-case bigram occurs inside an all-capitals token."),
    line("PUNCT_PAIRS", tables.punctPairs, "Base64 bitmap over ASCII punctuation pairs (index in ASCII_PUNCT, ·32 + second) seen inside a punctuation token."),
    line("GLUE_PAIRS", tables.gluePairs, "Base64 bitmap: (ASCII punctuation index)·26 + lower-cased letter starts a common token."),
    line("PUNCT_TOKENS", tables.punctTokens, "Common punctuation-only tokens: such a whole piece is exactly one token."),
    line("SINGLE_TOKEN_CHARS", tables.singleTokenChars, "Code points ≥ U+0800 that are one token, as base-32 varint deltas from U+07FF."),
    line("SAME_CHAR_RUNS", tables.sameCharRuns, "Per ASCII_PUNCT character, hex R: a run of n copies takes at most 1 + (n − 1)/R tokens."),
    line("WHITESPACE_RUNS", tables.whitespaceRuns, "Per whitespace unit, R: a run of n takes at most ⌈n/R⌉ tokens."),
  ].join("\n");
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const path = join(PROJECT_ROOT, "src/domain/token-tables.ts");
  writeFileSync(path, renderTokenTables(deriveTokenTables()));
  console.log(`wrote ${path}`);
}
