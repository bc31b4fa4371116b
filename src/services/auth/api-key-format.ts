/**
 * Workspace API keys: `mkt_` + 30 random base62 characters + a 6-character base62 CRC-32 of them.
 * The prefix lets secret scanners recognise a leaked key; the checksum lets us refuse a mistyped
 * key without a database lookup. It is no secret: anyone can compute it for a made-up body, so such
 * keys are looked up, and failed lookups are limited per client address (key-lookup-limit.ts).
 * Only the SHA-256 of the whole key is stored.
 */
export const API_KEY_PREFIX = "mkt_";
const BODY_LENGTH = 30;
const CHECKSUM_LENGTH = 6;
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);
/** How many leading characters listings show; enough to tell keys apart, useless to an attacker. */
export const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of new TextEncoder().encode(text)) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function base62(value: number, width: number): string {
  let out = "";
  for (let v = value; v > 0; v = Math.floor(v / 62)) out = ALPHABET[v % 62] + out;
  return out.padStart(width, "0");
}

function randomBase62(length: number): string {
  // Rejection sampling keeps every character uniformly distributed (248 = 4 * 62).
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export function generateApiKey(): string {
  const body = randomBase62(BODY_LENGTH);
  return `${API_KEY_PREFIX}${body}${base62(crc32(body), CHECKSUM_LENGTH)}`;
}

/** True when the value has the key prefix: such a Bearer value is a key, anything else a JWT. */
export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(API_KEY_PREFIX);
}

/** Shape and checksum only; says nothing about whether the key exists (nor that we minted it). */
export function isWellFormedApiKey(value: string): boolean {
  if (!SHAPE.test(value)) return false;
  const body = value.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + BODY_LENGTH);
  return value.slice(-CHECKSUM_LENGTH) === base62(crc32(body), CHECKSUM_LENGTH);
}

export async function hashApiKey(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function displayPrefix(value: string): string {
  return value.slice(0, DISPLAY_PREFIX_LENGTH);
}
