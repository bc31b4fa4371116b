import { canonicalPermissions, type Permissions } from "./permissions";
import { listedPaths, validateManifest, type ManifestFieldError, type PluginManifest } from "./plugin-manifest";
import { MAX_SCANNED_CHARS_PER_FILE, scanBundleFailClosed, type ScanResult } from "./plugin-scan";
import { BINARY_MAGIC } from "./scan/binary";

/**
 * Files a bundle may hold without listing them (issue 28 item 6): the manifest itself, the README
 * (plugin content: scanned and put into contexts, design.md §54) and the licence text.
 */
export const ALWAYS_ALLOWED_FILES = new Set(["manifest.json", "README.md", "LICENSE"]);

export type BundleRefusal = {
  ok: false;
  code: "manifest_missing" | "manifest_invalid" | "manifest_unlisted_file" | "file_too_large_to_scan";
  detail: string;
  errors: ManifestFieldError[];
};

/**
 * The most bytes of files the scanner must read in one bundle (everything but images and PDFs,
 * whose printable runs are read up to the per-file limit): with MAX_SCANNED_CHARS_PER_FILE per file,
 * what keeps one upload's scan within a Worker's time and memory (about 3 s of CPU per MiB on the worst input found, so about 6 s).
 */
export const MAX_SCANNED_BYTES_PER_BUNDLE = 2 * 1024 * 1024;

const isMedia = (bytes: Uint8Array) => BINARY_MAGIC.some((m) => m.kind === "media" && m.matches(bytes));

/**
 * Files the scanner could not read whole: any file but an image or PDF over MAX_SCANNED_CHARS_PER_FILE
 * bytes (1 MiB), and, past MAX_SCANNED_BYTES_PER_BUNDLE (2 MiB) of such files together, the rest.
 * Plugin content is prose for an agent's context: 1 MiB is about 250,000 tokens.
 */
export function filesTooLargeToScan(files: ReadonlyArray<{ path: string; bytes: Uint8Array }>): ManifestFieldError[] {
  const errors: ManifestFieldError[] = [];
  let total = 0;
  for (const { path, bytes } of files) {
    if (isMedia(bytes)) continue;
    // A file refused for its own size does not count toward the bundle's total.
    if (bytes.byteLength > MAX_SCANNED_CHARS_PER_FILE) errors.push({ path, message: `${bytes.byteLength} bytes; the scanner reads files of at most ${MAX_SCANNED_CHARS_PER_FILE} bytes` });
    else if ((total += bytes.byteLength) > MAX_SCANNED_BYTES_PER_BUNDLE) errors.push({ path, message: `past ${MAX_SCANNED_BYTES_PER_BUNDLE} bytes of files to scan in one bundle` });
  }
  return errors;
}
export type ManifestCheck = { ok: true; manifest: PluginManifest; permissions: Permissions } | BundleRefusal;
export type BundleCheck = { ok: true; manifest: PluginManifest; permissions: Permissions; scan: ScanResult } | BundleRefusal;

/**
 * The files of a bundle that its manifest does not list: not `manifest.json`, `README.md` or
 * `LICENSE`, not a path named under `contents` (a file, or anything under a listed folder). What
 * reviewers see is what agents get: a file nobody listed is refused, not stored.
 */
export function unlistedFiles(manifest: PluginManifest, paths: readonly string[]): string[] {
  const listed = listedPaths(manifest);
  const files = new Set(listed);
  const folders = listed.map((p) => p.replace(/\/$/, "") + "/");
  return paths.filter((path) => !ALWAYS_ALLOWED_FILES.has(path) && !files.has(path) && !folders.some((f) => path.startsWith(f)));
}

/**
 * The manifest half of the upload gate: `manifest.json` present and valid (src/domain/plugin-manifest.ts),
 * no unlisted file (`manifest_unlisted_file`, each named in `errors` as `{path, message}`), and
 * nothing larger than the scan reads (`file_too_large_to_scan`: filesTooLargeToScan), with the
 * manifest's canonical permissions (design.md §42).
 */
export function checkManifest(files: ReadonlyArray<{ path: string; bytes: Uint8Array }>): ManifestCheck {
  const checked = validateManifest(new Map(files.map((f) => [f.path, f.bytes])));
  if (!checked.ok) return checked;
  const unlisted = unlistedFiles(checked.manifest, files.map((f) => f.path));
  if (unlisted.length) {
    return {
      ok: false,
      code: "manifest_unlisted_file",
      detail: `The bundle holds ${unlisted.length === 1 ? `a file its manifest does not list: ${unlisted[0]}` : `${unlisted.length} files its manifest does not list`}; list it under contents or leave it out (only manifest.json, README.md and LICENSE need no listing).`,
      errors: unlisted.map((path) => ({ path, message: "not listed in manifest.json" })),
    };
  }
  const tooLarge = filesTooLargeToScan(files);
  if (tooLarge.length) {
    return {
      ok: false,
      code: "file_too_large_to_scan",
      detail: `The bundle holds more than the security scan reads: at most ${MAX_SCANNED_CHARS_PER_FILE} bytes per file and ${MAX_SCANNED_BYTES_PER_BUNDLE} bytes in all (images and PDFs aside). Split or shorten the files named in errors.`,
      errors: tooLarge,
    };
  }
  return { ok: true, manifest: checked.manifest, permissions: canonicalPermissions(checked.manifest.permissions) };
}

/**
 * The upload gate as a pure function (issue 28): checkManifest, then the security scan with the
 * manifest's permissions, so content that uses what it did not declare is an
 * `undeclared_capability` finding. The scan fails closed (a scanner error is `blocked`). The upload
 * service runs the same two steps with the checks that need the database between them (tool
 * names, an existing version, name clashes); the scanner corpus test runs this.
 */
export function checkBundle(files: ReadonlyArray<{ path: string; bytes: Uint8Array }>): BundleCheck {
  const checked = checkManifest(files);
  if (!checked.ok) return checked;
  return { ...checked, scan: scanBundleFailClosed(files, { permissions: checked.permissions }) };
}
