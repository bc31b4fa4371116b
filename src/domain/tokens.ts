import {
  GLUE_PAIRS,
  LOWER_BIGRAMS,
  LOWER_TRIGRAMS,
  PUNCT_PAIRS,
  PUNCT_TOKENS,
  SAME_CHAR_RUNS,
  SINGLE_TOKEN_CHARS,
  UPPER_BIGRAMS,
  UPPER_TRIGRAMS,
  WHITESPACE_RUNS,
} from "./token-tables";

/**
 * Token estimate for context budgets: a plugin's cached `context_tokens` and the assembled
 * context's sections (issue 15 item 4, issue 26 item 10). An estimate of cl100k_base's count that does not fall below it, so a context
 * that fits by this count fits for real.
 *
 * Why not the tokenizer itself: its rank table costs 446 KB gzip (cl100k_base in gpt-tokenizer)
 * against a worker of about 500 KiB gzip whose target is 512 KiB. Instead the estimate runs
 * cl100k's own pre-tokenizer (the split into pieces below: no token ever spans two pieces, so the
 * count is a sum over pieces) and prices each piece with a few kilobytes of tables derived from
 * cl100k's vocabulary by scripts/token-tables.ts (src/domain/token-tables.ts, 5.9 KB gzip):
 *
 * Upper bounds that hold by construction (test/node/token-estimate.test.ts checks each claim
 * against cl100k itself):
 * - ASCII digits: cl100k splits them into groups of at most 3, and each of the 1,110 such groups
 *   is one token, so a digit piece costs exactly 1.
 * - A character from U+0080 up costs its UTF-8 byte count (a byte-level BPE never makes more
 *   tokens than bytes), unless it is one of the 972 characters from U+0800 up that are a token of
 *   their own (common CJK, kana, Hangul, punctuation): those cost 1. This covers CJK, emoji,
 *   zero-width and other invisible characters, accents, other scripts and random bytes.
 * - Runs of spaces, tabs, line feeds or CR LFs cost ⌈n/R⌉ and runs of one repeated punctuation
 *   character 1 + (n − 1)/R, with each R measured on cl100k; other control characters cost 1.
 * - A piece that is itself one of the 439 commonest punctuation tokens costs 1.
 *
 * Calibrated (ASCII letters, and punctuation that is not a known token): a letter run is split at
 * case changes (camelCase, ALLCAPS); each part costs 1, plus 1.25 (upper case: 2) for every
 * trigram that occurs in no common cl100k token — words split there, and junk (consonant runs,
 * base64, hex, random ids) is made of such trigrams —, plus one per 4 letters past the fifth (upper
 * case: per 3 past the third; cl100k splits capitals finely); a run touching a digit costs 0.5 more (hex, ids). A punctuation run costs 1 for its
 * first character, then 0.3 for each pair seen inside a punctuation token and 1 for any other.
 *
 * Measured against cl100k (test/node/token-estimate.test.ts): at least the real count on every
 * adversarial sample (consonant runs, random base64 and hex, digits, CJK, emoji, zero-width-laden
 * text, repeated punctuation, mixed scripts, random letters and syllables, camelCase and ALLCAPS
 * gibberish, random Unicode), between 1.0× and 1.35× on the benign corpus (README, design notes,
 * demo plugins, 22 shell, curl, environment and base64 documents), median 1.15× on the READMEs of
 * this repository's dependencies. What stays an estimate: letter strings made to look like words
 * to the trigram tables yet split by cl100k into short pieces; the adversarial corpus holds the
 * kinds found so far, each at least 3 % above the real count.
 */
export function estimateTokens(text: string): number {
  if (!text) return 0;
  const t = tables();
  let total = 0;
  for (const match of text.matchAll(PIECE)) total += pieceCost(match[0], text, match.index, t);
  // Costs are sums of fractions: a float error must not add a token.
  return Math.ceil(total - 1e-9);
}

/** Joins context parts; each separator is counted as SEPARATOR_TOKENS by the assembler. */
export const CONTEXT_SEPARATOR = "\n\n";
/** estimateTokens(CONTEXT_SEPARATOR), written out so that loading the module decodes no table (the test checks it). */
export const SEPARATOR_TOKENS = 1;

/** cl100k_base's pre-tokenizer, as gpt-tokenizer writes it for JavaScript. */
const PIECE = /'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s+$|\s*[\r\n]|\s+(?!\S)|\s/gu;
const CONTRACTION = /^'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])$/;
const WHITESPACE_ONLY = /^\s+$/u;
const STARTS_WITH_DIGIT = /^\p{N}/u;
const ASCII_DIGITS = /^[0-9]+$/;
const ENDS_WITH_LETTER = /\p{L}$/u;
const ASCII_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

// Weights of the calibrated part (see the docstring); fitted on node_modules READMEs, checked on the corpora of the test.
const BAD_LOWER_TRIGRAM = 1.25;
const BAD_UPPER_TRIGRAM = 2;
/** An upper-case trigram unknown in capitals but common in lower case (`BACKUP`) weighs half. */
const LOWER_CASE_ONLY_TRIGRAM = 0.5;
const LOWER_FREE_LETTERS = 5;
const LOWER_LETTERS_PER_TOKEN = 4;
const UPPER_FREE_LETTERS = 3;
const UPPER_LETTERS_PER_TOKEN = 3;
const CASE_CHANGE = 0.4;
const DIGIT_NEIGHBOUR = 0.5;
const KNOWN_PUNCT_PAIR = 0.3;
const LINE_BREAK_AFTER_PUNCT = 0.5;

interface Tables {
  lowerTrigrams: Uint8Array;
  lowerBigrams: Uint8Array;
  upperTrigrams: Uint8Array;
  upperBigrams: Uint8Array;
  punctPairs: Uint8Array;
  gluePairs: Uint8Array;
  punctTokens: Set<string>;
  singleTokenChars: Set<number>;
  /** Cost of each further copy in a run of one punctuation character, by char code. */
  sameCharCost: Map<number, number>;
}

// Isolate scope on purpose: decoded from constants of the bundle, so the same in every isolate and never request data.
let decoded: Tables | undefined;

/** Decodes the tables once per isolate, on first use (a few kilobytes, well under a millisecond). */
function tables(): Tables {
  if (decoded) return decoded;
  const sameCharCost = new Map<number, number>();
  for (let i = 0; i < ASCII_PUNCT.length; i++) sameCharCost.set(ASCII_PUNCT.charCodeAt(i), 1 / Number.parseInt(SAME_CHAR_RUNS[i]!, 16));
  decoded = {
    lowerTrigrams: bitmap(LOWER_TRIGRAMS),
    lowerBigrams: bitmap(LOWER_BIGRAMS),
    upperTrigrams: bitmap(UPPER_TRIGRAMS),
    upperBigrams: bitmap(UPPER_BIGRAMS),
    punctPairs: bitmap(PUNCT_PAIRS),
    gluePairs: bitmap(GLUE_PAIRS),
    punctTokens: new Set(PUNCT_TOKENS),
    singleTokenChars: decodeCodePoints(SINGLE_TOKEN_CHARS),
    sameCharCost,
  };
  return decoded;
}

function bitmap(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

function bit(map: Uint8Array, index: number): boolean {
  return (map[index >> 3]! & (1 << (index & 7))) !== 0;
}

const VARINT_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Inverse of scripts/token-tables.ts encodeCodePoints: base-32 deltas from U+07FF, continuation digits ≥ 32. */
function decodeCodePoints(encoded: string): Set<number> {
  const codePoints = new Set<number>();
  let previous = 0x7ff;
  let delta = 0;
  for (const char of encoded) {
    const digit = VARINT_DIGITS.indexOf(char);
    delta = delta * 32 + (digit & 31);
    if (digit < 32) {
      previous += delta + 1;
      codePoints.add(previous);
      delta = 0;
    }
  }
  return codePoints;
}

/** A character from U+0080 up: 1 when it is a token of its own, else its UTF-8 byte count. */
function nonAsciiCost(codePoint: number, t: Tables): number {
  if (t.singleTokenChars.has(codePoint)) return 1;
  return codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function pieceCost(piece: string, text: string, start: number, t: Tables): number {
  const first = piece.charCodeAt(0);
  if (first === 39 && CONTRACTION.test(piece)) return piece === piece.toLowerCase() ? 1 : 2;
  if (STARTS_WITH_DIGIT.test(piece)) {
    if (ASCII_DIGITS.test(piece)) return 1;
    let cost = 0;
    for (const char of piece) cost += char < "\x80" ? 1 : nonAsciiCost(char.codePointAt(0)!, t);
    return cost;
  }
  if (WHITESPACE_ONLY.test(piece)) return whitespaceCost(piece, t);
  if (ENDS_WITH_LETTER.test(piece)) {
    const before = text.charCodeAt(start - 1);
    const after = text.charCodeAt(start + piece.length);
    return letterPieceCost(piece, t) + (isDigit(before) || isDigit(after) ? DIGIT_NEIGHBOUR : 0);
  }
  return t.punctTokens.has(piece) ? 1 : punctPieceCost(piece, t);
}

/** Runs of one whitespace unit (space, tab, LF, CR LF) cost ⌈n/R⌉; any other whitespace character its own cost. */
function whitespaceCost(piece: string, t: Tables): number {
  let cost = 0;
  let unit = "";
  let run = 0;
  const flush = () => {
    if (run > 0) cost += Math.ceil(run / runDivisor(unit));
    run = 0;
  };
  for (let i = 0; i < piece.length; ) {
    const code = piece.codePointAt(i)!;
    const next = code === 13 && piece.charCodeAt(i + 1) === 10 ? "\r\n" : String.fromCodePoint(code);
    i += next.length;
    if (next !== " " && next !== "\t" && next !== "\n" && next !== "\r\n") {
      flush();
      cost += code < 0x80 ? 1 : nonAsciiCost(code, t);
      unit = "";
      continue;
    }
    if (next !== unit) flush();
    unit = next;
    run++;
  }
  flush();
  return cost;
}

function runDivisor(unit: string): number {
  if (unit === " ") return WHITESPACE_RUNS.space;
  if (unit === "\t") return WHITESPACE_RUNS.tab;
  return unit === "\n" ? WHITESPACE_RUNS.newline : WHITESPACE_RUNS.crlf;
}

/** `[glue]letters`: the glue character, then ASCII letter runs and other letters. */
function letterPieceCost(piece: string, t: Tables): number {
  let cost = 0;
  let i = 0;
  const first = piece.codePointAt(0)!;
  const glued = !isAsciiLetter(first) && !/^\p{L}/u.test(piece);
  if (glued) {
    i = first > 0xffff ? 2 : 1;
    if (first >= 0x80) cost += nonAsciiCost(first, t);
    else if (first !== 32) {
      // `.com`, `_id`, `/api`: cl100k has tokens starting with the punctuation and the letter.
      const letter = piece.charCodeAt(i) | 32;
      const punct = ASCII_PUNCT.indexOf(piece[0]!);
      const known = punct >= 0 && letter >= 97 && letter <= 122 && bit(t.gluePairs, punct * 26 + (letter - 97));
      cost += known ? 0 : 1;
    }
  }
  let runStart = -1;
  for (; i <= piece.length; i++) {
    const code = i < piece.length ? piece.charCodeAt(i) : -1;
    if (code >= 0 && code < 0x80) {
      if (runStart < 0) runStart = i;
      continue;
    }
    if (runStart >= 0) {
      cost += asciiLettersCost(piece.slice(runStart, i), t);
      runStart = -1;
    }
    if (code < 0) break;
    const codePoint = piece.codePointAt(i)!;
    if (codePoint > 0xffff) i++;
    cost += nonAsciiCost(codePoint, t);
  }
  return cost;
}

/** A run of ASCII letters, split where the case changes: `getHTTPResponse` → get, HTTP, Response. */
function asciiLettersCost(run: string, t: Tables): number {
  let cost = 0;
  let parts = 0;
  for (let i = 0; i < run.length; ) {
    let end = i + 1;
    const upper = run.charCodeAt(i) <= 90;
    if (upper && end < run.length && run.charCodeAt(end) <= 90) {
      // Capitals: up to the last one before a lower-case letter (`HTTPResponse` → HTTP).
      while (end < run.length && run.charCodeAt(end) <= 90) end++;
      if (end < run.length) end--;
      cost += upperCaseCost(run.slice(i, end), t);
    } else {
      while (end < run.length && run.charCodeAt(end) >= 97) end++;
      cost += lowerCaseCost(run.slice(i, end).toLowerCase(), t);
    }
    if (parts++ > 0) cost += CASE_CHANGE;
    i = end;
  }
  return cost;
}

function trigramIndex(text: string, i: number, base: number): number {
  return ((text.charCodeAt(i) - base) * 26 + (text.charCodeAt(i + 1) - base)) * 26 + (text.charCodeAt(i + 2) - base);
}

/** A lower-case (or capitalised, lower-cased here) word. */
function lowerCaseCost(word: string, t: Tables): number {
  const n = word.length;
  let bad = 0;
  for (let i = 0; i + 3 <= n; i++) if (!bit(t.lowerTrigrams, trigramIndex(word, i, 97))) bad++;
  if (n === 2 && !bit(t.lowerBigrams, (word.charCodeAt(0) - 97) * 26 + (word.charCodeAt(1) - 97))) bad++;
  return 1 + bad * BAD_LOWER_TRIGRAM + Math.max(0, n - LOWER_FREE_LETTERS) / LOWER_LETTERS_PER_TOKEN;
}

/** An all-capitals word of two letters or more. */
function upperCaseCost(word: string, t: Tables): number {
  const n = word.length;
  const lower = word.toLowerCase();
  let bad = 0;
  for (let i = 0; i + 3 <= n; i++) {
    if (!bit(t.upperTrigrams, trigramIndex(word, i, 65))) bad += bit(t.lowerTrigrams, trigramIndex(lower, i, 97)) ? LOWER_CASE_ONLY_TRIGRAM : 1;
  }
  if (n === 2 && !bit(t.upperBigrams, (word.charCodeAt(0) - 65) * 26 + (word.charCodeAt(1) - 65))) bad++;
  return 1 + bad * BAD_UPPER_TRIGRAM + Math.max(0, n - UPPER_FREE_LETTERS) / UPPER_LETTERS_PER_TOKEN;
}

/** ` ?[^\s\p{L}\p{N}]+[\r\n]*` that is not a known token: punctuation, symbols, emoji, controls. */
function punctPieceCost(piece: string, t: Tables): number {
  let end = piece.length;
  while (end > 0 && (piece.charCodeAt(end - 1) === 10 || piece.charCodeAt(end - 1) === 13)) end--;
  // A leading space glues onto the punctuation (` {`, ` =>`).
  const start = piece.charCodeAt(0) === 32 && end > 1 ? 1 : 0;
  let cost = 0;
  let previous = -1;
  for (let i = start; i < end; i++) {
    const code = piece.codePointAt(i)!;
    if (code > 0xffff) i++;
    const punct = code > 32 && code < 127 ? ASCII_PUNCT.indexOf(String.fromCharCode(code)) : -1;
    if (punct < 0) {
      cost += code < 0x80 ? 1 : nonAsciiCost(code, t);
      previous = -1;
      continue;
    }
    if (previous < 0) cost += 1;
    else if (previous === punct) cost += t.sameCharCost.get(code)!;
    else cost += bit(t.punctPairs, previous * 32 + punct) ? KNOWN_PUNCT_PAIR : 1;
    previous = punct;
  }
  // Trailing line breaks: `.\n`, `{\n`, `;\n\n` are tokens; after anything else each break is its own.
  const last = piece.charCodeAt(end - 1);
  const afterPunct = last > 32 && last < 127;
  for (let i = end; i < piece.length; i++) {
    const crlf = piece.charCodeAt(i) === 13 && piece.charCodeAt(i + 1) === 10;
    cost += afterPunct && (crlf || piece.charCodeAt(i) === 10) ? LINE_BREAK_AFTER_PUNCT : 1;
    if (crlf) i++;
  }
  return cost;
}
