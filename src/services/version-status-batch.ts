import type { Queryable } from "../db/client";
import { approvedItemVersions, approvedPluginVersions, type ApprovedVersionRow } from "../db/queries/version-status-batch";
import { updateFields, type StatusedRelease } from "../domain/releases";
import { compareSemver, isSemver } from "../domain/semver";
import { shownStatusMessage } from "../domain/version-notice";
import type { VersionStatus } from "../domain/version-status";

/**
 * The batch status call (issue 27 item 2, design.md §35, §39): what a client asks to learn whether
 * the versions it holds are still good.
 */

/** Entries one call may ask about, items and plugins together. */
export const VERSION_STATUS_BATCH_LIMIT = 100;

export interface VersionStatusQuestion {
  items: Array<{ item_id: string; version: string }>;
  plugins: Array<{ plugin_id: string; version: string }>;
}

/** What every answer carries besides its subject id; all null when `found` is false. */
interface VersionVerdict {
  version: string;
  found: boolean;
  status: VersionStatus | null;
  /** The deprecation or yank message; never a quarantine or revoke reason. */
  message: string | null;
  replacement: { item_id: string } | null;
  /** The update target (design.md §39: src/domain/releases.ts updateTarget), null when none. */
  update: string | null;
  update_available: boolean;
  /** `update`, else the version held; never lower than it. Null when not found. */
  latest_version: string | null;
  listed_version: string | null;
  safe_version: string | null;
}

export type VersionStatusAnswer = ({ item_id: string } | { plugin_id: string }) & VersionVerdict;

function notFound(version: string): VersionVerdict {
  return { version, found: false, status: null, message: null, replacement: null, update: null, update_available: false, latest_version: null, listed_version: null, safe_version: null };
}

/** The asked version among the approved ones: the same string, else the same by semver precedence (build metadata ignored). */
function matching(versions: ApprovedVersionRow[], asked: string) {
  return versions.find((v) => v.version === asked) ?? (isSemver(asked) ? versions.find((v) => compareSemver(v.version, asked) === 0) : undefined);
}

function verdict(versions: ApprovedVersionRow[], asked: string): VersionVerdict {
  const held = matching(versions, asked);
  if (!held) return notFound(asked);
  const releases: StatusedRelease[] = versions.map((v) => ({ version: v.version, reviewStatus: "approved", status: v.status }));
  const fields = updateFields({ version: held.version, status: held.status }, releases);
  const message = shownStatusMessage(held.status, held.statusMessage);
  // A replacement is part of the same notice: shown with deprecated and yanked only, as the message.
  const noticed = held.status === "deprecated" || held.status === "yanked";
  return {
    version: asked,
    found: true,
    status: held.status,
    message,
    replacement: noticed && held.replacementItemId ? { item_id: held.replacementItemId } : null,
    // The same update fields as the installed and enabled lists (issue 30 item 2, design.md §39).
    update: fields.update,
    update_available: fields.update_available,
    latest_version: fields.latest_version,
    listed_version: fields.listed_version,
    safe_version: fields.safe_version,
  };
}

function byOwner(rows: ApprovedVersionRow[]) {
  const map = new Map<string, ApprovedVersionRow[]>();
  for (const row of rows) map.set(row.ownerId, [...(map.get(row.ownerId) ?? []), row]);
  return map;
}

/**
 * Answers each asked version, in the order asked: items first, then plugins. At most two queries
 * whatever the number of entries (one for the items' approved versions, one for the plugins', run
 * in parallel; a list left empty costs none). The answer is the same for every caller (no workspace,
 * no role): `found: false`, every other field null, for an unknown or removed item, an unknown or
 * deactivated plugin, or a version that does not exist or is not approved; quarantined and revoked
 * versions are reported with `message: null` (the status is a safety signal, the reason is not
 * shown; design.md §35). `safe_version` is §39's: the version itself when active or deprecated,
 * else the update target, else the listed version, else null. Ids must be UUIDs (the route
 * validates them); the caller bounds the entries (VERSION_STATUS_BATCH_LIMIT).
 */
export async function versionStatuses(db: Queryable, question: VersionStatusQuestion): Promise<{ results: VersionStatusAnswer[] }> {
  const itemIds = [...new Set(question.items.map((q) => q.item_id.toLowerCase()))];
  const pluginIds = [...new Set(question.plugins.map((q) => q.plugin_id.toLowerCase()))];
  const [itemRows, pluginRows] = await Promise.all([approvedItemVersions(db, itemIds), approvedPluginVersions(db, pluginIds)]);
  const items = byOwner(itemRows);
  const plugins = byOwner(pluginRows);
  return {
    results: [
      ...question.items.map((q) => ({ item_id: q.item_id, ...verdict(items.get(q.item_id.toLowerCase()) ?? [], q.version) })),
      ...question.plugins.map((q) => ({ plugin_id: q.plugin_id, ...verdict(plugins.get(q.plugin_id.toLowerCase()) ?? [], q.version) })),
    ],
  };
}
