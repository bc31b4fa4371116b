import type { Database, Queryable } from "../../db/client";
import {
  deleteEnablement,
  enableablePlugin,
  enabledPluginsOf,
  insertEnablement,
  lockEnablement,
  repinEnablement,
  shiftEnableCount,
  unassignFromWorkspaceAgents,
} from "../../db/queries/plugin-usage";
import { lockPlugin } from "../../db/queries/plugins";
import { ApiError } from "../../lib/errors";
import type { Actor } from "../auth/principal";

const notEnableable = () => new ApiError(404, "plugin_not_found", "Plugin not found or not approved/active");
const notEnabled = () => new ApiError(404, "plugin_not_enabled", "Plugin is not enabled for this workspace");

/**
 * Enables an approved, active plugin for a workspace, pinned to its listed (latest approved)
 * version (design.md §8), and adds one to `enable_count` in SQL, in one transaction.
 * @throws 404 `plugin_not_found` when the plugin is not approved and active; 409
 *   `plugin_already_enabled` from the primary key (src/lib/conflicts.ts) when already enabled.
 */
export async function enablePlugin(db: Database, workspaceId: string, pluginId: string, actor: Actor) {
  return db.transaction(async (tx) => {
    const found = await enableablePlugin(tx, pluginId);
    if (!found) throw notEnableable();
    const row = await insertEnablement(tx, { workspaceId, pluginId, pluginVersionId: found.version.id, ...actor });
    await shiftEnableCount(tx, pluginId, 1);
    return {
      plugin_id: pluginId,
      workspace_id: workspaceId,
      slug: found.plugin.slug,
      name: found.plugin.name,
      version: found.version.version,
      enabled_at: row.enabledAt.toISOString(),
    };
  });
}

/**
 * The workspace's enabled plugins, newest enablement first. `update_available` names the listed
 * version and its changelog when it differs from the pinned one (a new approval never moves a pin).
 */
export async function listEnabledPlugins(db: Queryable, workspaceId: string) {
  const rows = await enabledPluginsOf(db, workspaceId);
  return {
    items: rows.map(({ plugin, pinned, latest, enabledAt }) => ({
      plugin_id: plugin.id,
      slug: plugin.slug,
      name: plugin.name,
      description: plugin.description,
      version: pinned.version,
      version_id: pinned.id,
      is_active: plugin.isActive,
      skills_count: pinned.skillsCount,
      commands_count: pinned.commandsCount,
      token_estimate: pinned.tokenEstimate,
      enable_count: plugin.enableCount,
      security_status: pinned.securityStatus,
      enabled_at: enabledAt.toISOString(),
      update_available:
        latest && latest.id !== pinned.id && latest.approvalStatus === "approved"
          ? { version: latest.version, version_id: latest.id, changelog: latest.changelog }
          : null,
    })),
  };
}

/**
 * Disables a plugin: removes its assignments from this workspace's agents, the enablement row, and
 * one from `enable_count`, in one transaction (reference §2.4).
 * @throws 404 `plugin_not_enabled`.
 */
export async function disablePlugin(db: Database, workspaceId: string, pluginId: string) {
  return db.transaction(async (tx) => {
    const agentsUnassigned = await unassignFromWorkspaceAgents(tx, workspaceId, pluginId);
    const removed = await deleteEnablement(tx, workspaceId, pluginId);
    if (!removed) throw notEnabled();
    await shiftEnableCount(tx, pluginId, -1);
    return { plugin_id: pluginId, workspace_id: workspaceId, disabled: true as const, agents_unassigned: agentsUnassigned };
  });
}

/**
 * Moves the workspace's pin to the plugin's listed (latest approved) version.
 * @throws 404 `plugin_not_enabled`; 404 `plugin_not_found` when the plugin is no longer approved
 *   and active; 409 `up_to_date` when the pin already is the listed version.
 */
export async function updatePluginPin(db: Database, workspaceId: string, pluginId: string, actor: Actor) {
  return db.transaction(async (tx) => {
    await lockPlugin(tx, pluginId);
    const enablement = await lockEnablement(tx, workspaceId, pluginId);
    if (!enablement) throw notEnabled();
    const found = await enableablePlugin(tx, pluginId);
    if (!found) throw notEnableable();
    if (found.version.id === enablement.pluginVersionId) {
      throw new ApiError(409, "up_to_date", `The workspace already uses version ${found.version.version}, the latest approved.`);
    }
    await repinEnablement(tx, workspaceId, pluginId, found.version.id, actor);
    return { plugin_id: pluginId, workspace_id: workspaceId, version: found.version.version, version_id: found.version.id, changelog: found.version.changelog };
  });
}
