/**
 * Decoding of text an attacker encoded to slip past the rules (issue 28 item 1): percent-encoding,
 * `\xHH`, `\uHHHH`, `\u{H…}` and the YAML/JSON character escapes, then base64 and hex blobs that
 * decode to readable text. Pure. The scanner matches the decoded text again, up to two layers deep
 * and reports findings at the original line. The per-file budget (MAX_DECODED_PER_FILE) is charged
 * only for decoded output actually produced (issue 28 review, item 3: a line holding one `\t` used
 * to cost its whole length), and every blob is tried while it lasts; when it runs out the budget
 * says so (`exhausted`) and the scanner holds the file for review.
 */

export const MAX_DECODE_DEPTH = 2;
/** 1 MiB of decoded output per file (what escapes, percent runs and blobs decode to), in UTF-16 code units. */
export const MAX_DECODED_PER_FILE = 1024 * 1024;

/** What is left of a file's decoding budget; `exhausted` once something was left undecoded for lack of it. */
export interface DecodeBudget {
  left: number;
  exhausted?: boolean;
  /** Set by the scanner once it reported the exhaustion. */
  reported?: boolean;
}

/** Charges `output` to the budget; false (and `exhausted`) when it does not fit. */
function charge(budget: DecodeBudget | undefined, output: string): boolean {
  if (!budget) return true;
  if (output.length > budget.left) {
    budget.exhausted = true;
    return false;
  }
  budget.left -= output.length;
  return true;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0", a: "\x07", b: "\b", e: "\x1b", f: "\f", v: "\v", '"': '"', "'": "'", "/": "/", "\\": "\\", " ": " ", _: "\u00a0", N: "\u0085" };

const ESCAPE = /\\(?:x([0-9A-Fa-f]{2})|u\{([0-9A-Fa-f]{1,6})\}|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([ntr0abefv"'/\\ _N]))/g;

function fromCodePoint(hex: string): string {
  const cp = Number.parseInt(hex, 16);
  return cp <= 0x10ffff ? String.fromCodePoint(cp) : "";
}

/**
 * `\xHH`, `\uHHHH` (surrogate pairs joined), `\u{H…}`, `\UHHHHHHHH` and single-character escapes
 * (`\n`, `\t`, `\"`, `\/`, `\\`, …) as YAML double-quoted scalars and JSON strings define them.
 * Unknown escapes are left as written.
 */
export function decodeEscapes(text: string, budget?: DecodeBudget): string {
  if (!text.includes("\\")) return text;
  const out = text.replace(ESCAPE, (whole: string, x?: string, braced?: string, u4?: string, u8?: string, simple?: string) => {
    let decoded: string;
    if (x) decoded = String.fromCharCode(Number.parseInt(x, 16));
    else if (braced) decoded = fromCodePoint(braced);
    else if (u4) decoded = String.fromCharCode(Number.parseInt(u4, 16));
    else if (u8) decoded = fromCodePoint(u8);
    else decoded = SIMPLE_ESCAPES[simple!] ?? "";
    return charge(budget, decoded) ? decoded : whole;
  });
  // A lone surrogate left by half a pair is dropped rather than carried into matching.
  return out.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "");
}

const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/** Runs of `%HH` decoded as UTF-8 (an invalid sequence becomes U+FFFD, never an error). */
export function decodePercent(text: string, budget?: DecodeBudget): string {
  if (!text.includes("%")) return text;
  return text.replace(PERCENT_RUN, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    const decoded = new TextDecoder().decode(bytes);
    return charge(budget, decoded) ? decoded : run;
  });
}

/** Readable text: valid UTF-8, no NUL, at least 90 % printable (letters, digits, punctuation, spaces). */
export function readableText(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0 || bytes.includes(0)) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
  let printable = 0;
  let total = 0;
  for (const ch of text) {
    total++;
    if (/[\p{L}\p{N}\p{P}\p{S}\p{Zs}\t\n\r]/u.test(ch)) printable++;
  }
  return printable >= total * 0.9 ? text : undefined;
}

function base64Bytes(run: string): Uint8Array | undefined {
  let end = run.length;
  while (end > 0 && run[end - 1] === "=") end--;
  const standard = run.slice(0, end).replace(/-/g, "+").replace(/_/g, "/");
  if (standard.length % 4 === 1) return undefined;
  try {
    const binary = atob(standard + "=".repeat((4 - (standard.length % 4)) % 4));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

/** Base64 (standard or URL-safe) runs of at least 16 characters; hex runs of at least 16 digits. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const HEX_RUN = /(?:\\x|0x)?(?:[0-9A-Fa-f]{2}(?:\\x|[ :]?)){8,}/g;

/** A data URI of an image, font or audio/video is media, not hidden text. */
const MEDIA_DATA_URI = /data:(?:image|font|audio|video)\/[\w.+-]{1,40};base64,$/i;

/**
 * Base64 and hex blobs replaced by what they decode to, when that is readable text (so an encoded
 * command reads as the command). Blobs that decode to binary, and media data URIs, stay as written.
 */
export function decodeBlobs(text: string, budget?: DecodeBudget): string {
  let out = text.replace(BASE64_RUN, (run, offset: number) => {
    // A run of only letters, or only hex digits, is more likely a word or a hash than base64.
    if (/^[A-Za-z]+$/.test(run) || /^[0-9a-fA-F]+$/.test(run)) return run;
    if (MEDIA_DATA_URI.test(text.slice(Math.max(0, offset - 60), offset))) return run;
    const bytes = base64Bytes(run);
    const decoded = bytes && readableText(bytes);
    return decoded !== undefined && charge(budget, decoded) ? decoded : run;
  });
  out = out.replace(HEX_RUN, (run) => {
    const digits = run.replace(/\\x|0x|[ :]/g, "");
    if (digits.length % 2 !== 0) return run;
    const bytes = new Uint8Array(digits.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(digits.slice(i * 2, i * 2 + 2), 16);
    const decoded = readableText(bytes);
    return decoded !== undefined && charge(budget, decoded) ? decoded : run;
  });
  return out;
}

/** One layer of decoding: escapes, then percent-encoding, then blobs. Returns the text unchanged when nothing decodes. */
export function decodeOnce(text: string, budget?: DecodeBudget): string {
  return decodeBlobs(decodePercent(decodeEscapes(text, budget), budget), budget);
}

/**
 * The decoded forms of `text` that differ from it: one per layer, at most MAX_DECODE_DEPTH layers.
 * `budget.left` (characters) is shared by a whole file and shrinks by the decoded output each
 * escape, percent run or blob produces (text left as written costs nothing); a piece that does not
 * fit is left as written and marks the budget `exhausted`.
 */
export function decodedLayers(text: string, budget: DecodeBudget): string[] {
  const layers: string[] = [];
  let current = text;
  for (let depth = 0; depth < MAX_DECODE_DEPTH; depth++) {
    const next = decodeOnce(current, budget);
    if (next === current) break;
    layers.push(next);
    current = next;
  }
  return layers;
}
