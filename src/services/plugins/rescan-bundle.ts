import { listKeys } from "./bundle-storage";

/**
 * A stored bundle read back for a rescan: every object under the version's prefix, bytes as
 * stored (binaries included: the scanner reads them too). The two failures are told apart because
 * the rescan answers them differently: R2 failing (`storage_unavailable`: try again later, nothing
 * is concluded) and objects missing that the version row says exist (`missing`: a fact about this
 * version, recorded as a finding).
 */
export type RescanBundle =
  | { kind: "ok"; files: Array<{ path: string; bytes: Uint8Array }> }
  | { kind: "missing"; missing: string[] }
  | { kind: "storage_unavailable" };

const READ_CONCURRENCY = 6;

/** Reads `expectedFiles` objects (plugin_versions.file_count) under `prefix`; see RescanBundle. */
export async function readBundleForRescan(bucket: R2Bucket, prefix: string, expectedFiles: number): Promise<RescanBundle> {
  try {
    const keys = (await listKeys(bucket, prefix)).sort();
    if (keys.length < expectedFiles) return { kind: "missing", missing: [] };
    const files: Array<{ path: string; bytes: Uint8Array }> = [];
    const missing: string[] = [];
    for (let at = 0; at < keys.length; at += READ_CONCURRENCY) {
      await Promise.all(
        keys.slice(at, at + READ_CONCURRENCY).map(async (key) => {
          const object = await bucket.get(key);
          if (!object) missing.push(key.slice(prefix.length));
          else files.push({ path: key.slice(prefix.length), bytes: new Uint8Array(await object.arrayBuffer()) });
        }),
      );
    }
    if (missing.length) return { kind: "missing", missing: missing.sort() };
    return { kind: "ok", files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
  } catch {
    return { kind: "storage_unavailable" };
  }
}
