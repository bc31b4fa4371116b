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
  if (failed) throw new ApiError(503, "storage_unavailable", "Object storage is unavailable; nothing was saved. Try again later.");
  if (conflict) throw new ApiError(409, "version_exists", "Files for this plugin version already exist in storage.");
  return written;
}
