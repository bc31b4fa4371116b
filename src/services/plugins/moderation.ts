import type { Cache } from "../../clients/cache";
import type { Database, Queryable } from "../../db/client";
import {
  deletePluginRows,
  detachPluginEverywhere,
  findPlugin,
  latestScanOf,
  lockPlugin,
  pendingPluginVersions,
  pluginNameHolder,
  reviewPluginVersion,
  setSkillsListed,
  updatePlugin,
  versionsOfPlugin,
  type PluginRow,
  type PluginVersionRow,
} from "../../db/queries/plugins";
import { appendEvents } from "../../db/queries/events";
import { bumpTakedownGeneration } from "../../db/queries/generations";
import { insertAudit } from "../../db/queries/publishing";
import type { CatalogEvent } from "../../domain/events";
import { cleanName } from "../../domain/names";
import { severityCounts, type Finding, type Verdict } from "../../domain/plugin-scan";
import type { ScanTrigger } from "../../domain/scan-engine";
import { listedVersion } from "../../domain/releases";
import type { ReviewStatus } from "../../domain/version-status";
import { ApiError } from "../../lib/errors";
import type { Actor } from "../auth/principal";
import { invalidateCatalog } from "../catalog-cache";
import { deleteKeys, listKeys } from "./bundle-storage";
import { invalidatePluginContent } from "./content";
import { materialiseSkills, type MaterialisedSkills } from "./skills";
import { pluginNameTaken } from "./upload";

export interface PluginDeps {
  db: Database;
  cache: Cache;
  bucket: R2Bucket;
  actor: Actor;
  requestId: string;
}

const notFound = () => new ApiError(404, "plugin_not_found", "Plugin not found");
const illegal = (detail: string) => new ApiError(409, "invalid_transition", detail);

/**
 * One moderation change: lock the plugin, change it and write its audit row in one transaction, then
 * bump the catalog generation. The FOR UPDATE lock comes first: enables, disables and assignments
 * hold the row FOR KEY SHARE (holdPlugins) before they read anything, so a deactivate or delete
 * waits for one in flight and then removes what it wrote, or is seen by one that starts after it
 * (issue 26 item 5).
 */
async function moderate<T>(deps: PluginDeps, pluginId: string, change: (tx: Queryable, plugin: PluginRow) => Promise<T>): Promise<T> {
  const result = await deps.db.transaction(async (tx) => {
    const plugin = await lockPlugin(tx, pluginId);
    if (!plugin) throw notFound();
    return change(tx, plugin);
  });
  await invalidateCatalog(deps.cache);
  return result;
}

function audit(tx: Queryable, deps: Pick<PluginDeps, "actor" | "requestId">, action: string, plugin: PluginRow, extra: { reason?: string; details?: Record<string, unknown> } = {}) {
  return insertAudit(tx, {
    ...deps.actor,
    action: `plugin.${action}`,
    targetType: "plugin",
    targetId: plugin.id,
    reason: extra.reason ?? null,
    details: { slug: plugin.slug, ...extra.details },
    requestId: deps.requestId,
  });
}

/**
 * The plugin name a version's manifest gives, under the rules of names (issue 26 item 2): a
 * manifest stored before the rules is cleaned (src/domain/names.ts `cleanName`: invisible and
 * line-break characters become spaces), and one with no usable name keeps `current`.
 */
export function manifestName(manifest: { name?: unknown }, current: string): string {
  return typeof manifest.name === "string" ? cleanName(manifest.name, current) : current;
}

/** The pending version to review: the one named, else the newest pending. */
function pendingVersion(versions: PluginVersionRow[], wanted?: string): PluginVersionRow {
  const pending = versions.filter((v) => v.approvalStatus === "pending");
  const chosen = wanted ? pending.find((v) => v.version === wanted) : pending[pending.length - 1];
  if (!chosen) {
    const known = versions.find((v) => v.version === wanted);
    throw illegal(known ? `Version ${wanted} is already ${known.approvalStatus}.` : "No version of this plugin is waiting for review.");
  }
  return chosen;
}

/** GET /api/admin/plugins/pending: pending versions oldest first, with verdict and finding counts. */
export async function pluginReviewQueue(db: Queryable, page: { limit: number; offset: number }) {
  const rows = await pendingPluginVersions(db, page);
  return {
    items: rows.map((r) => {
      const findings = (r.findings ?? []) as Finding[];
      return {
        plugin_id: r.plugin_id,
        slug: r.slug,
        name: r.name,
        version_id: r.version_id,
        version: r.version,
        security_status: r.security_status,
        created_at: new Date(r.created_at).toISOString(),
        findings: { total: findings.length, by_severity: severityCounts(findings) },
      };
    }),
    total: rows[0]?.total ?? 0,
    limit: page.limit,
    offset: page.offset,
  };
}

/**
 * Approves a pending version (default: the newest pending). A `blocked` version is a 409
 * `invalid_transition` here and by the `plugin_versions_blocked_check` CHECK (reference §9.17).
 * The listed version is recomputed with `listedVersion` over the approved versions and their
 * statuses (design.md §34: a pre-release is never listed beside a listable stable version, nor a
 * yanked, quarantined or revoked one); when the approved version becomes the listed one, the
 * plugin row mirrors its manifest fields (name and tags normalised, src/db/queries/plugins.ts) and
 * its skills are materialised (a SKILL.md whose name is taken or refused is skipped, never fatal).
 * @throws ApiError 404 `plugin_not_found`; 409 `name_taken` when another plugin has taken the
 *   manifest's name or a look-alike since the upload; 409 `plugin_inactive` for a deactivated plugin
 *   (design.md §34); 409 `invalid_transition` when nothing (or not that version) is pending or
 *   its scan verdict forbids approval.
 */
export async function approvePlugin(deps: PluginDeps, pluginId: string, wanted?: string) {
  return moderate(deps, pluginId, async (tx, plugin) => {
    if (!plugin.isActive) throw new ApiError(409, "plugin_inactive", "The plugin is inactive; reactivate it before approving a version.");
    const versions = await versionsOfPlugin(tx, pluginId);
    const version = pendingVersion(versions, wanted);
    if (version.securityStatus === "blocked" || version.securityStatus === "pending") {
      throw illegal(`Version ${version.version} has security status ${version.securityStatus} and cannot be approved.`);
    }
    const approved = await reviewPluginVersion(tx, version.id, { status: "approved", reviewerId: deps.actor.actorId, ...deps.actor });
    const reviewed = versions.map((v) => (v.id === approved.id ? approved : v)).map((v) => ({ ...v, reviewStatus: v.approvalStatus as ReviewStatus }));
    const becomesLatest = listedVersion(reviewed)?.id === approved.id;
    let skills: MaterialisedSkills = { skill_ids: [], skipped: [] };
    if (becomesLatest) {
      const m = approved.manifest as { name?: string; description?: string; long_description?: string; tags?: string[]; author?: string; license?: string };
      const name = manifestName(m, plugin.name);
      // As an item's approval refuses a name another item took meanwhile (upload already refused a taken one).
      const holder = await pluginNameHolder(tx, name, pluginId);
      if (holder) throw pluginNameTaken(holder);
      const updated = await updatePlugin(tx, pluginId, {
        latestVersionId: approved.id,
        name,
        description: m.description ?? plugin.description,
        longDescription: m.long_description ?? null,
        tags: m.tags ?? [],
        originalAuthor: m.author ?? plugin.originalAuthor,
        license: m.license ?? null,
        ...deps.actor,
      });
      const earlier = versions.filter((v) => v.id !== approved.id).map((v) => v.id);
      skills = await materialiseSkills(tx, deps.bucket, updated, approved, earlier, deps.actor);
    }
    await audit(tx, deps, "approve", plugin, { details: { version: approved.version, latest: becomesLatest, ...skills } });
    const events: CatalogEvent[] = [{ type: "plugin.approved", pluginId, data: { plugin_id: pluginId, version: approved.version, listed: becomesLatest } }];
    if (becomesLatest) {
      const before = versions.find((v) => v.id === plugin.latestVersionId)?.version ?? null;
      events.push({ type: "plugin.listed_version_changed", pluginId, data: { plugin_id: pluginId, version: approved.version, previous_version: before } });
    }
    await appendEvents(tx, events);
    return {
      plugin_id: pluginId,
      version: approved.version,
      approval_status: "approved" as const,
      latest: becomesLatest,
      materialized_skill_ids: skills.skill_ids,
      skipped_skill_files: skills.skipped,
    };
  });
}

export async function rejectPlugin(deps: PluginDeps, pluginId: string, reason: string, wanted?: string) {
  return moderate(deps, pluginId, async (tx, plugin) => {
    const version = pendingVersion(await versionsOfPlugin(tx, pluginId), wanted);
    await reviewPluginVersion(tx, version.id, { status: "rejected", reason, reviewerId: deps.actor.actorId, ...deps.actor });
    await audit(tx, deps, "reject", plugin, { reason, details: { version: version.version } });
    return { plugin_id: pluginId, version: version.version, approval_status: "rejected" as const, reason };
  });
}

/**
 * Takes a plugin out of service: every workspace enablement and agent assignment is removed and
 * `enable_count` reset, in one transaction (the original left the count behind, reference §9.4).
 */
export async function deactivatePlugin(deps: PluginDeps, pluginId: string) {
  let versions: PluginVersionRow[] = [];
  const result = await moderate(deps, pluginId, async (tx, plugin) => {
    const deactivated = await deactivatePluginInTx(tx, deps, plugin);
    versions = deactivated.versions;
    await appendEvents(tx, deactivated.events);
    return deactivated.result;
  });
  // After the commit: a read between the two refills from R2, but no enablement can reach it any more.
  await invalidatePluginContent(deps.cache, versions);
  return result;
}

/**
 * `deactivatePlugin` inside the caller's transaction, on a plugin it locked (`lockPlugin`): a
 * report resolution's `remove` (services/reports/resolve.ts). The caller appends the returned events
 * last and, after its commit, invalidates the catalog and the returned versions' content.
 * @throws 409 `invalid_transition` (already inactive).
 */
export async function deactivatePluginInTx(tx: Queryable, deps: Pick<PluginDeps, "actor" | "requestId">, plugin: PluginRow) {
  const pluginId = plugin.id;
  if (!plugin.isActive) throw illegal("The plugin is already inactive.");
  const detached = await detachPluginEverywhere(tx, pluginId);
  const versions = await versionsOfPlugin(tx, pluginId);
  const skillsRetired = await setSkillsListed(tx, versions.map((v) => v.id), false, deps.actor);
  await updatePlugin(tx, pluginId, { isActive: false, enableCount: 0, ...deps.actor });
  // Committed with the deactivation: no cached context or content of it is served after (design.md §29).
  await bumpTakedownGeneration(tx);
  await audit(tx, deps, "deactivate", plugin, {
    details: { workspaces_affected: detached.workspaces, agents_affected: detached.agents, skills_retired: skillsRetired },
  });
  const events: CatalogEvent[] = [
    { type: "plugin.deactivated", pluginId, data: { plugin_id: pluginId } },
    ...detached.workspaceIds.map((workspaceId): CatalogEvent => ({ type: "plugin.disabled", pluginId, workspaceId, data: { plugin_id: pluginId, reason: "deactivated" } })),
  ];
  return {
    events,
    versions,
    result: {
      plugin_id: pluginId,
      is_active: false as const,
      workspaces_affected: detached.workspaces,
      agents_affected: detached.agents,
      skills_retired: skillsRetired,
    },
  };
}

/** Puts a deactivated plugin back in the marketplace; workspaces must enable it again. */
export async function reactivatePlugin(deps: PluginDeps, pluginId: string) {
  return moderate(deps, pluginId, async (tx, plugin) => {
    if (plugin.isActive) throw illegal("The plugin is already active.");
    await updatePlugin(tx, pluginId, { isActive: true, ...deps.actor });
    // The listed version's skills come back; older versions' stay retired.
    if (plugin.latestVersionId) await setSkillsListed(tx, [plugin.latestVersionId], true, deps.actor);
    await bumpTakedownGeneration(tx);
    await audit(tx, deps, "reactivate", plugin);
    await appendEvents(tx, [{ type: "plugin.reactivated", pluginId, data: { plugin_id: pluginId } }]);
    return { plugin_id: pluginId, is_active: true as const };
  });
}

/**
 * Hard delete: rows (versions, scans, enablements, assignments) in one transaction with the audit
 * row, then the R2 objects under `plugins/{slug}/`, then the catalog cache. Storage is cleaned after
 * the commit so a failed transaction never leaves rows pointing at deleted files.
 */
export async function deletePlugin(deps: PluginDeps, pluginId: string) {
  let versions: PluginVersionRow[] = [];
  const plugin = await moderate(deps, pluginId, async (tx, found) => {
    versions = await versionsOfPlugin(tx, pluginId);
    // Before the versions go (their ids are what the skills remember).
    await setSkillsListed(tx, versions.map((v) => v.id), false, deps.actor);
    const detached = await deletePluginRows(tx, pluginId);
    await bumpTakedownGeneration(tx);
    await audit(tx, deps, "delete", found, { details: { versions: versions.map((v) => v.version) } });
    // No plugin.disabled rows: the public plugin.deleted tells every workspace that had it enabled.
    await appendEvents(tx, [{ type: "plugin.deleted", pluginId, data: { plugin_id: pluginId, slug: found.slug, workspaces_affected: detached.workspaces } }]);
    return found;
  });
  await invalidatePluginContent(deps.cache, versions);
  const keys = await listKeys(deps.bucket, `plugins/${plugin.slug}/`);
  await deleteKeys(deps.bucket, keys);
  return { plugin_id: pluginId, slug: plugin.slug, deleted: true as const, objects_deleted: keys.length };
}

/** The stored scan of a version (default: the newest version): its newest scan row, which is its current verdict (design.md §44). */
export async function pluginScan(db: Queryable, pluginId: string, wanted?: string) {
  if (!(await findPlugin(db, pluginId))) throw notFound();
  const versions = await versionsOfPlugin(db, pluginId);
  const version = wanted ? versions.find((v) => v.version === wanted) : versions[versions.length - 1];
  if (!version) throw new ApiError(404, "version_not_found", "This plugin has no such version.");
  const scan = await latestScanOf(db, version.id);
  if (!scan) throw new ApiError(404, "scan_not_found", "No security scan is stored for this version.");
  const findings = scan.staticFindings as Finding[];
  return {
    plugin_id: pluginId,
    version: version.version,
    scan_id: scan.id,
    verdict: scan.overallVerdict as Verdict,
    static_scan_status: scan.staticScanStatus,
    rules_hit: scan.blockedPatternsFound,
    findings,
    by_severity: severityCounts(findings),
    llm_scan_status: scan.llmScanStatus,
    scanned_at: scan.scannedAt.toISOString(),
    engine_version: scan.engineVersion,
    trigger: scan.trigger as ScanTrigger,
  };
}
