import type { Cache } from "../../clients/cache";
import type { Queryable } from "../../db/client";
import { pinnedVersion } from "../../db/queries/plugin-usage";
import { findPlugin, versionsOfPlugin, type PluginRow, type PluginVersionRow } from "../../db/queries/plugins";
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
 * reference §2.3): a workspace that enabled the plugin gets its pinned version; a platform admin
 * any plugin's listed version; everyone else 404 `plugin_not_found`. Files come through the 3600 s
 * content cache.
 */
export async function pluginContentFor(deps: { db: Queryable; cache: Cache; bucket: R2Bucket }, viewer: ContentViewer, pluginId: string) {
  const pinned = viewer.workspaceId ? await pinnedVersion(deps.db, viewer.workspaceId, pluginId) : undefined;
  const chosen = pinned ?? (viewer.platformAdmin ? await adminVersion(deps.db, pluginId) : undefined);
  if (!chosen) throw notFound();
  const { plugin, version } = chosen;
  const content = await readPluginContent(deps, { pluginId, version: version.version, storagePrefix: version.storagePrefix, bundleSha256: version.bundleSha256 });
  return { plugin_id: plugin.id, slug: plugin.slug, version: version.version, pinned: Boolean(pinned), files: content.files };
}
