import type { Cache } from "../../clients/cache";
import type { Queryable } from "../../db/client";
import { pinnedVersion } from "../../db/queries/plugin-usage";
import { findPlugin, versionsOfPlugin, type PluginRow, type PluginVersionRow } from "../../db/queries/plugins";
import { SERVABLE_STATUSES } from "../../domain/version-status";
import { ApiError } from "../../lib/errors";
import { readPluginContent } from "./content";

const notFound = () => new ApiError(404, "plugin_not_found", "Plugin not found");

/** Who asks: the workspace the request acts in (if any) and whether the caller is a platform admin. */
export interface ContentViewer {
  workspaceId: string | null;
  platformAdmin: boolean;
}

/** A platform admin without an enablement sees the listed version, else the newest uploaded (to review it). */
async function adminVersion(db: Queryable, pluginId: string): Promise<{ plugin: PluginRow; version: PluginVersionRow } | undefined> {
  const plugin = await findPlugin(db, pluginId);
  if (!plugin) return undefined;
  const versions = await versionsOfPlugin(db, pluginId);
  const version = versions.find((v) => v.id === plugin.latestVersionId) ?? versions[versions.length - 1];
  return version ? { plugin, version } : undefined;
}

/**
 * GET /api/marketplace/plugins/{id}/content (issue 15 item 1; the original served any caller,
 * reference §2.3): a workspace that enabled the active plugin gets its pinned version; a platform
 * admin its pinned version when servable, else any plugin's listed version; everyone else 404
 * `plugin_not_found`. Files come through the 3600 s content cache.
 * @throws ApiError 404 `plugin_not_found` (not enabled, or the plugin is inactive); 403
 *   `version_quarantined` when the pinned version is quarantined or revoked.
 */
export async function pluginContentFor(deps: { db: Queryable; cache: Cache; bucket: R2Bucket }, viewer: ContentViewer, pluginId: string) {
  const pinned = viewer.workspaceId ? await pinnedVersion(deps.db, viewer.workspaceId, pluginId) : undefined;
  const servable = pinned !== undefined && SERVABLE_STATUSES.includes(pinned.version.status);
  if (pinned && !viewer.platformAdmin) {
    // Deactivation removes enablements; this covers a read racing it (issue 26 item 5).
    if (!pinned.plugin.isActive) throw notFound();
    // The status is a safety signal; the takedown's reason is not shown (design.md §35).
    if (!servable) throw new ApiError(403, "version_quarantined", `Version ${pinned.version.version} of this plugin has been taken down (${pinned.version.status}); its content is no longer served.`);
  }
  // An admin whose workspace pins a taken-down version sees the listed version, like any admin.
  const usable = servable ? pinned : undefined;
  const chosen = usable ?? (viewer.platformAdmin ? await adminVersion(deps.db, pluginId) : undefined);
  if (!chosen) throw notFound();
  const { plugin, version } = chosen;
  const content = await readPluginContent(deps, { pluginId, version: version.version, storagePrefix: version.storagePrefix, bundleSha256: version.bundleSha256 });
  return { plugin_id: plugin.id, slug: plugin.slug, version: version.version, pinned: Boolean(usable), files: content.files };
}
