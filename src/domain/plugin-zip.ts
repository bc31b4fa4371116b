import { Inflate } from "fflate";

/**
 * Reads a plugin bundle (a zip archive) without trusting any size it declares: the central directory
 * gives names, attributes and offsets, and every entry is inflated here with the produced bytes
 * counted, so a bomb stops at the first byte over a limit whatever its headers say.
 * Limits come from issue 14 (the original's effective limits, reference §6.1.3).
 */
export const ZIP_LIMITS = {
  maxEntries: 500,
  maxFileBytes: 10 * 1024 * 1024,
  maxTotalBytes: 10 * 1024 * 1024,
  /** Uncompressed ÷ compressed, per file. */
  maxRatio: 100,
  /** Below this a file cannot be a bomb, and tiny repetitive files legitimately exceed the ratio. */
  ratioFloorBytes: 64 * 1024,
} as const;

export type ZipErrorCode = "zip_invalid" | "zip_bomb" | "zip_unsafe_path" | "zip_symlink" | "zip_duplicate_path" | "zip_too_many_entries";

/** A refusal; `path` names the entry when there is one. */
export class ZipError extends Error {
  constructor(
    readonly code: ZipErrorCode,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = "ZipError";
  }
}

export interface ZipFile {
  path: string;
  bytes: Uint8Array;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const UNIX_HOST = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
// Input is fed to the inflater in small slices so one slice can never produce more than a few MiB.
const INFLATE_SLICE = 4096;

interface CentralEntry {
  path: string;
  method: number;
  flags: number;
  compressedSize: number;
  declaredSize: number;
  localOffset: number;
  isDirectory: boolean;
  isSymlink: boolean;
}

const invalid = (message: string, path?: string) => new ZipError("zip_invalid", message, path);

function findEndOfCentralDirectory(view: DataView): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let at = view.byteLength - 22; at >= lowest; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) return at;
  }
  throw invalid("The upload is not a zip archive.");
}

/**
 * The longest object key object storage takes, in UTF-8 bytes (Cloudflare R2's documented limit:
 * "Object key names … up to 1,024 bytes"). An entry's key is its storage prefix plus its name.
 */
export const MAX_OBJECT_KEY_BYTES = 1024;

const utf8 = new TextEncoder();

/**
 * The first entry whose object key (`prefix` + its name) is longer than MAX_OBJECT_KEY_BYTES, with
 * that length in bytes, or null. A permanent input error (issue 26 item 11): checked before any
 * write, so it answers 400 and never reaches storage as a 503 that clients would retry forever.
 */
export function overlongObjectKey(prefix: string, paths: readonly string[]): { path: string; bytes: number } | null {
  const prefixBytes = utf8.encode(prefix).byteLength;
  for (const path of paths) {
    const bytes = prefixBytes + utf8.encode(path).byteLength;
    if (bytes > MAX_OBJECT_KEY_BYTES) return { path, bytes };
  }
  return null;
}

/**
 * Refuses any name that could land outside the plugin's prefix or mean two things on different
 * systems: absolute paths, drive letters, `..` or `.` segments, backslashes, empty segments, control characters.
 */
export function unsafePathReason(path: string): string | null {
  if (path.length === 0 || path.length > 512) return "empty or overlong path";
  if (path.includes("\\")) return "backslash in path";
  if (path.startsWith("/")) return "absolute path";
  if (/^[A-Za-z]:/.test(path)) return "drive letter in path";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return "control character in path";
  const segments = path.replace(/\/$/, "").split("/");
  if (segments.some((s) => s === ".." || s === ".")) return "dot segment in path";
  if (segments.some((s) => s === "")) return "empty path segment";
  return null;
}

function readCentralDirectory(bytes: Uint8Array): CentralEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 22) throw invalid("The upload is not a zip archive.");
  const eocd = findEndOfCentralDirectory(view);
  const count = view.getUint16(eocd + 10, true);
  const size = view.getUint32(eocd + 12, true);
  const offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || offset === 0xffffffff) throw invalid("ZIP64 archives are not accepted.");
  if (count > ZIP_LIMITS.maxEntries) throw new ZipError("zip_too_many_entries", `The archive has ${count} entries; at most ${ZIP_LIMITS.maxEntries} are accepted.`);
  if (offset + size > eocd) throw invalid("The central directory is out of bounds.");
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const entries: CentralEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== CENTRAL_SIGNATURE) throw invalid("The central directory is corrupt.");
    const madeBy = view.getUint16(at + 4, true);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const declaredSize = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const externalAttributes = view.getUint32(at + 38, true);
    const localOffset = view.getUint32(at + 42, true);
    if (at + 46 + nameLength > eocd) throw invalid("The central directory is corrupt.");
    let path: string;
    try {
      path = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    } catch {
      throw new ZipError("zip_unsafe_path", "An entry name is not valid UTF-8.");
    }
    const unixMode = externalAttributes >>> 16;
    entries.push({
      path,
      method,
      flags,
      compressedSize,
      declaredSize,
      localOffset,
      isDirectory: path.endsWith("/"),
      isSymlink: madeBy >> 8 === UNIX_HOST && (unixMode & S_IFMT) === S_IFLNK,
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function checkEntry(entry: CentralEntry, seen: Set<string>): void {
  const reason = unsafePathReason(entry.path);
  if (reason) throw new ZipError("zip_unsafe_path", `Unsafe entry name (${reason}).`, entry.path);
  if (entry.isSymlink) throw new ZipError("zip_symlink", "Symbolic links are not accepted.", entry.path);
  // Case-folded so that a case-insensitive file system cannot merge two entries into one.
  const key = entry.path.replace(/\/$/, "").toLowerCase();
  if (seen.has(key)) throw new ZipError("zip_duplicate_path", "Two entries have the same path.", entry.path);
  seen.add(key);
  if (entry.flags & 0x1) throw invalid("Encrypted entries are not accepted.", entry.path);
  if (entry.method !== 0 && entry.method !== 8) throw invalid(`Compression method ${entry.method} is not supported.`, entry.path);
  if (entry.compressedSize === 0xffffffff || entry.declaredSize === 0xffffffff) throw invalid("ZIP64 entries are not accepted.", entry.path);
}

function entryData(bytes: Uint8Array, entry: CentralEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localOffset;
  if (at + 30 > bytes.byteLength || view.getUint32(at, true) !== LOCAL_SIGNATURE) throw invalid("A local header is missing.", entry.path);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.byteLength) throw invalid("An entry runs past the end of the archive.", entry.path);
  return bytes.subarray(start, end);
}

/** Inflates one entry, refusing as soon as the bytes produced pass a limit. */
function inflateCounted(entry: CentralEntry, compressed: Uint8Array, totalSoFar: number): Uint8Array {
  const bomb = (why: string) => new ZipError("zip_bomb", why, entry.path);
  const ratioCap = Math.max(ZIP_LIMITS.ratioFloorBytes, compressed.byteLength * ZIP_LIMITS.maxRatio);
  const check = (produced: number) => {
    if (produced > ZIP_LIMITS.maxFileBytes) throw bomb(`An entry inflates past ${ZIP_LIMITS.maxFileBytes} bytes.`);
    if (totalSoFar + produced > ZIP_LIMITS.maxTotalBytes) throw bomb(`The archive inflates past ${ZIP_LIMITS.maxTotalBytes} bytes.`);
    if (produced > ratioCap) throw bomb(`An entry's compression ratio exceeds ${ZIP_LIMITS.maxRatio}.`);
  };
  if (entry.method === 0) {
    check(compressed.byteLength);
    return compressed.slice();
  }
  const chunks: Uint8Array[] = [];
  let produced = 0;
  const inflater = new Inflate((chunk) => {
    produced += chunk.byteLength;
    check(produced);
    chunks.push(chunk);
  });
  try {
    for (let at = 0; at < compressed.byteLength; at += INFLATE_SLICE) {
      const end = Math.min(at + INFLATE_SLICE, compressed.byteLength);
      inflater.push(compressed.subarray(at, end), end === compressed.byteLength);
    }
    if (compressed.byteLength === 0) inflater.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof ZipError) throw error;
    throw invalid("An entry's compressed data is corrupt.", entry.path);
  }
  const out = new Uint8Array(produced);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * The archive's files (directories dropped), in archive order.
 * @throws ZipError with a stable code for every refusal.
 */
export function readZip(bytes: Uint8Array): ZipFile[] {
  const entries = readCentralDirectory(bytes);
  const seen = new Set<string>();
  for (const entry of entries) checkEntry(entry, seen);
  const files: ZipFile[] = [];
  let total = 0;
  for (const entry of entries) {
    if (entry.isDirectory) continue;
    const data = inflateCounted(entry, entryData(bytes, entry), total);
    // A header that under-declares is how bombs slip past naive checks; one that differs at all is corrupt.
    if (data.byteLength !== entry.declaredSize) {
      throw invalid("An entry's size does not match its header.", entry.path);
    }
    total += data.byteLength;
    files.push({ path: entry.path, bytes: data });
  }
  return files;
}
