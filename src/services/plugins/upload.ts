import type { Database, Queryable } from "../../db/client";
import { isUniqueViolation } from "../../db/errors";
import { insertAudit } from "../../db/queries/publishing";
import { insertPlugin, insertPluginScan, insertPluginVersion, lockPluginBySlug, pluginNameHolder, pluginVersionExists, unknownToolSlugs } from "../../db/queries/plugins";
import { checkManifest } from "../../domain/bundle-check";
import { permissionsHash, type Permissions } from "../../domain/permissions";
import type { PluginManifest } from "../../domain/plugin-manifest";
import { scanBundleFailClosed, severityCounts, type ScanResult } from "../../domain/plugin-scan";
import { SCANNER_ENGINE_VERSION } from "../../domain/scan-engine";
import { MAX_OBJECT_KEY_BYTES, overlongObjectKey, readZip, ZipError } from "../../domain/plugin-zip";
import { ApiError } from "../../lib/errors";
import type { Actor } from "../auth/principal";
import { contentTypeOf, deleteKeys, sha256Hex, storagePrefix, writeBundle, type StoredFile } from "./bundle-storage";

export interface PluginUploadDeps {
  db: Database;
  bucket: R2Bucket;
  actor: Actor;
  requestId: string;
}

export interface UploadResult {
  plugin_id: string;
  version_id: string;
  slug: string;
  name: string;
  version: string;
  new_plugin: boolean;
  security_status: Exclude<ScanResult["verdict"], "blocked">;
  approval_status: "pending";
  bundle_sha256: string;
  file_count: number;
  findings: { total: number; by_severity: ReturnType<typeof severityCounts>; rules_hit: string[] };
  /** The canonical permission manifest (design.md §42) and its hash, which enabling must accept. */
  permissions: Permissions;
  permissions_hash: string;
}

/** Findings shown in a refusal; the full list would be unbounded. */
const FINDINGS_IN_PROBLEM = 50;

const versionExists = (slug: string, version: string) =>
  new ApiError(409, "version_exists", `Plugin ${slug} already has a version ${version}; versions are immutable, upload a new version number.`);

/**
 * 409 `name_taken` for a plugin name that another plugin holds or looks like (issue 26 item 2: the
 * look-alike skeleton of src/domain/names.ts), naming the holder as `existing_plugin: {id, name}`
 * when it is known (it may have gone by the time a lost race is reported).
 */
export function pluginNameTaken(holder: { id: string; name: string } | undefined): ApiError {
  const detail = holder
    ? `Another plugin is named “${holder.name}” (${holder.id}), which this name matches or looks like.`
    : "Another plugin has this name or one that looks like it.";
  return new ApiError(409, "name_taken", detail, holder ? { existing_plugin: { id: holder.id, name: holder.name } } : {});
}

/**
 * Refuses a manifest name that another plugin holds (by look-alike skeleton) before anything is
 * stored; the plugin of the manifest's own slug is no clash. A new version's name must be free
 * too: approving it mirrors the name onto the plugin.
 */
async function refuseTakenName(db: Queryable, manifest: PluginManifest) {
  const holder = await pluginNameHolder(db, manifest.name);
  if (holder && holder.slug !== manifest.slug) throw pluginNameTaken(holder);
}

function openArchive(bytes: Uint8Array) {
  try {
    return readZip(bytes);
  } catch (error) {
    if (error instanceof ZipError) throw new ApiError(400, error.code, error.message, error.path ? { path: error.path } : {});
    throw new ApiError(400, "zip_invalid", "The upload is not a readable zip archive.");
  }
}

/** 400 `manifest_invalid` for tools the tool catalog does not hold (manifest.permissions.tools). */
async function refuseUnknownTools(db: Queryable, permissions: Permissions) {
  const unknown = await unknownToolSlugs(db, permissions.tools);
  if (!unknown.length) return;
  const errors = unknown.map((slug) => ({ path: `manifest.permissions.tools.${permissions.tools.indexOf(slug)}`, message: `'${slug}' is not in the tool catalog` }));
  throw new ApiError(400, "manifest_invalid", "manifest.json names tools the tool catalog does not hold.", { errors });
}

function findingsSummary(scan: ScanResult): UploadResult["findings"] {
  return { total: scan.findings.length + scan.findings_truncated, by_severity: severityCounts(scan.findings), rules_hit: scan.rules_hit };
}

function countsOf(manifest: PluginManifest) {
  const c = manifest.contents;
  return { skillsCount: c.skills.length, commandsCount: c.commands.length, agentsCount: c.agents.length, hooksCount: c.hooks.length };
}

/**
 * The upload pipeline of issue 14 items 1–3: read the archive under limits → validate the manifest
 * → refuse a version that exists → scan (fail closed; `blocked` is refused) → write R2 create-only →
 * one transaction (plugin row when new, pending version, scan, audit). A failed transaction deletes
 * the objects just written; a failed R2 write leaves the database untouched.
 * The manifest's name, tags and text follow the rules of item names and tags (plugin-manifest.ts);
 * its name must not be another plugin's or look like it (issue 26 item 2).
 * An entry whose object key (`plugins/{slug}/{version}/` + name) passes 1,024 UTF-8 bytes is 400 `zip_unsafe_path`.
 * Issue 28: a file the manifest does not list (other than manifest.json, README.md, LICENSE) is 400
 * `manifest_unlisted_file`, a file over 1 MiB (or past 2 MiB in all, images and PDFs aside) 400
 * `file_too_large_to_scan`; `permissions.tools` must name tool catalog slugs (400 `manifest_invalid`);
 * the scan runs with the declared permissions (undeclared use is a finding) and its row records
 * the engine version; the version stores its canonical permissions and their hash.
 * @throws ApiError 400 (zip_* codes, manifest_missing, manifest_invalid, manifest_unlisted_file, file_too_large_to_scan, plugin_blocked), 409
 *   version_exists, 409 name_taken (`existing_plugin: {id, name}`), 503 storage_unavailable.
 */
export async function uploadPlugin(deps: PluginUploadDeps, bytes: Uint8Array): Promise<UploadResult> {
  const files = openArchive(bytes);
  const checked = checkManifest(files);
  if (!checked.ok) throw new ApiError(400, checked.code, checked.detail, checked.errors.length ? { errors: checked.errors } : {});
  const { manifest, permissions } = checked;
  const prefix = storagePrefix(manifest.slug, manifest.version);
  const overlong = overlongObjectKey(prefix, files.map((f) => f.path));
  if (overlong) {
    throw new ApiError(
      400,
      "zip_unsafe_path",
      `Unsafe entry name (too long: under this plugin version's storage prefix its key is ${overlong.bytes} UTF-8 bytes; object storage takes at most ${MAX_OBJECT_KEY_BYTES}).`,
      { path: overlong.path },
    );
  }

  if (await pluginVersionExists(deps.db, manifest.slug, manifest.version)) throw versionExists(manifest.slug, manifest.version);
  await refuseTakenName(deps.db, manifest);
  await refuseUnknownTools(deps.db, permissions);

  const scan = scanBundleFailClosed(files, { permissions });
  const hash = await permissionsHash(permissions);
  if (scan.verdict === "blocked") {
    throw new ApiError(400, "plugin_blocked", "The security scan blocked this bundle; nothing was stored.", {
      verdict: scan.verdict,
      findings: scan.findings.slice(0, FINDINGS_IN_PROBLEM),
      rules_hit: scan.rules_hit,
      ...(scan.error ? { scan_error: scan.error } : {}),
    });
  }

  const verdict = scan.verdict;
  const stored: StoredFile[] = await Promise.all(
    files.map(async (f) => ({ path: f.path, bytes: f.bytes, sha256: await sha256Hex(f.bytes), contentType: contentTypeOf(f.path) })),
  );
  const bundleSha256 = await sha256Hex(bytes);
  const written = await writeBundle(deps.bucket, prefix, stored);

  try {
    return await deps.db.transaction(async (tx) => {
      const existing = await lockPluginBySlug(tx, manifest.slug);
      // Again in the transaction: a plugin created since the first check may hold the name now.
      if (existing) await refuseTakenName(tx, manifest);
      const plugin =
        existing ??
        (await insertPlugin(tx, {
          slug: manifest.slug,
          name: manifest.name,
          description: manifest.description,
          longDescription: manifest.long_description ?? null,
          tags: manifest.tags,
          originalAuthor: manifest.author,
          license: manifest.license ?? null,
          sourceType: "upload",
          ...deps.actor,
        }));
      const version = await insertPluginVersion(tx, {
        pluginId: plugin.id,
        version: manifest.version,
        storagePrefix: prefix,
        manifest: manifest as unknown as Record<string, unknown>,
        bundleSha256,
        bundleSizeBytes: bytes.byteLength,
        fileCount: files.length,
        ...countsOf(manifest),
        tokenEstimate: manifest.token_estimate,
        recommendedModels: manifest.recommended_models,
        changelog: manifest.changelog ?? null,
        permissions,
        permissionsHash: hash,
        securityStatus: scan.verdict,
        approvalStatus: "pending",
        ...deps.actor,
      });
      await insertPluginScan(tx, {
        pluginVersionId: version.id,
        staticScanStatus: scan.findings.length ? "flagged" : "passed",
        staticFindings: scan.findings,
        blockedPatternsFound: scan.rules_hit,
        overallVerdict: scan.verdict,
        engineVersion: SCANNER_ENGINE_VERSION,
        trigger: "upload",
        scannedByUserId: deps.actor.actorType === "user" ? deps.actor.actorId : null,
      });
      await insertAudit(tx, {
        ...deps.actor,
        action: "plugin.upload",
        targetType: "plugin_version",
        targetId: version.id,
        details: { plugin_id: plugin.id, slug: plugin.slug, version: version.version, verdict: scan.verdict, bundle_sha256: bundleSha256 },
        requestId: deps.requestId,
      });
      return {
        plugin_id: plugin.id,
        version_id: version.id,
        slug: plugin.slug,
        name: manifest.name,
        version: version.version,
        new_plugin: !existing,
        security_status: verdict,
        approval_status: "pending" as const,
        bundle_sha256: bundleSha256,
        file_count: files.length,
        findings: findingsSummary(scan),
        permissions,
        permissions_hash: hash,
      };
    });
  } catch (error) {
    await deleteKeys(deps.bucket, written).catch(() => {});
    if (isUniqueViolation(error, "plugin_versions_plugin_version_key")) throw versionExists(manifest.slug, manifest.version);
    // Two first uploads of one slug raced; the loser may simply retry.
    if (isUniqueViolation(error, "marketplace_plugins_slug_key")) {
      throw new ApiError(409, "upload_conflict", "Another upload of this plugin finished first; nothing was stored. Try again.");
    }
    // A first upload raced another plugin with a look-alike name: the unique index decided.
    if (isUniqueViolation(error, "marketplace_plugins_name_skeleton_key")) throw pluginNameTaken(await pluginNameHolder(deps.db, manifest.name));
    throw error;
  }
}
