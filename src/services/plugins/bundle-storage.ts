import { ApiError } from "../../lib/errors";

/** A file of a validated bundle, ready to store. */
export interface StoredFile {
  path: string;
  bytes: Uint8Array;
  sha256: string;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  md: "text/markdown; charset=utf-8",
  markdown: "text/markdown; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  json: "application/json",
  yaml: "application/yaml",
  yml: "application/yaml",
  toml: "application/toml",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  ts: "text/plain; charset=utf-8",
  py: "text/x-python; charset=utf-8",
  sh: "text/plain; charset=utf-8",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  pdf: "application/pdf",
};

/** By extension; anything unknown (SVG and HTML included, which browsers would run) is an octet stream. */
export function contentTypeOf(path: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? "";
  return CONTENT_TYPES[ext] ?? "application/octet-stream";
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** `plugins/{slug}/{version}/`: built only from a validated slug and semver. */
export const storagePrefix = (slug: string, version: string) => `plugins/${slug}/${version}/`;

const WRITE_CONCURRENCY = 6;

/**
 * 503 `storage_unavailable` (Retry-After 5, like `database_unavailable`): R2 failed, or objects a
 * live database row says exist are missing. A storage fault is the service's, never a 500.
 */
export function storageUnavailable(detail = "Object storage is unavailable; try again later."): ApiError {
  return new ApiError(503, "storage_unavailable", detail, { headers: { "Retry-After": "5" } });
}

/** `work`'s result; an R2 call that throws becomes 503 `storage_unavailable`. */
async function fromStorage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw storageUnavailable();
  }
}

/**
 * The bytes of an object a database row says exists (a stored bundle's file). Missing (removed
 * under a live plugin) or R2 failing: 503 `storage_unavailable`, never a 500 or a silent gap.
 */
export async function readStoredObject(bucket: R2Bucket, key: string): Promise<Uint8Array> {
  return fromStorage(async () => {
    const object = await bucket.get(key);
    if (!object) throw storageUnavailable("A stored file of this plugin is missing from object storage.");
    return new Uint8Array(await object.arrayBuffer());
  });
}

/**
 * Every key of a stored bundle: `expected` files (plugin_versions.file_count) under `prefix`.
 * @throws ApiError 503 `storage_unavailable` when R2 fails or fewer objects than expected are there.
 */
export async function storedBundleKeys(bucket: R2Bucket, prefix: string, expected: number): Promise<string[]> {
  const keys = await fromStorage(() => listKeys(bucket, prefix));
  if (keys.length < expected) throw storageUnavailable("Files of this plugin version are missing from object storage.");
  return keys;
}

/** Deletes keys, 1000 per call (R2's batch limit). */
export async function deleteKeys(bucket: R2Bucket, keys: string[]): Promise<void> {
  for (let at = 0; at < keys.length; at += 1000) await bucket.delete(keys.slice(at, at + 1000));
}

/** Every key under a prefix. */
export async function listKeys(bucket: R2Bucket, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor, limit: 1000 });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

/**
 * Writes a bundle create-only (`onlyIf: etagDoesNotMatch "*"`), so a live version's files are never
 * overwritten (reference §9.7) even by a concurrent upload of the same version. On any failure the
 * objects this call wrote, and only those, are deleted before the error is raised.
 * @returns the keys written, for the caller to delete if its database transaction fails.
 * @throws ApiError 409 `version_exists` when an object already exists at a key; 503 `storage_unavailable` when R2 fails.
 */
export async function writeBundle(bucket: R2Bucket, prefix: string, files: StoredFile[]): Promise<string[]> {
  const written: string[] = [];
  let conflict = false;
  let failed = false;
  for (let at = 0; at < files.length && !conflict && !failed; at += WRITE_CONCURRENCY) {
    // allSettled, not all: every put of the batch must have finished before cleanup, or a put still
    // in flight would land after its key was deleted.
    const results = await Promise.allSettled(
      files.slice(at, at + WRITE_CONCURRENCY).map(async (file) => {
        const key = prefix + file.path;
        const object = await bucket.put(key, file.bytes, {
          httpMetadata: { contentType: file.contentType },
          customMetadata: { sha256: file.sha256 },
          sha256: file.sha256,
          onlyIf: { etagDoesNotMatch: "*" },
        });
        if (object === null) conflict = true;
        else written.push(key);
      }),
    );
    failed = results.some((r) => r.status === "rejected");
  }
  if (failed || conflict) await deleteKeys(bucket, written).catch(() => {});
  if (failed) throw storageUnavailable("Object storage is unavailable; nothing was saved. Try again later.");
  if (conflict) throw new ApiError(409, "version_exists", "Files for this plugin version already exist in storage.");
  return written;
}
