import type { Database, Queryable } from "../../db/client";
import {
  deleteEnablement,
  enableablePlugin,
  enabledPluginsOf,
  holdPlugins,
  insertEnablement,
  lockEnablement,
  repinEnablement,
  shiftEnableCount,
  unassignFromWorkspaceAgents,
} from "../../db/queries/plugin-usage";
import { appendEvents } from "../../db/queries/events";
import { bumpWorkspaceGenerations } from "../../db/queries/generations";
import { findPlugin, lockPlugin, versionsOfPlugin, type PluginVersionRow } from "../../db/queries/plugins";
import { canonicalPermissions, isNoChange, isPermissionSubset, permissionChanges, NO_PERMISSIONS, NO_PERMISSIONS_HASH, type Permissions } from "../../domain/permissions";
import { isVisible, updateFields } from "../../domain/releases";
import type { ReviewStatus } from "../../domain/version-status";
import { ApiError } from "../../lib/errors";
import type { Actor } from "../auth/principal";
import { shownStatusMessage } from "./catalog";

const notEnableable = () => new ApiError(404, "plugin_not_found", "Plugin not found, inactive, or without an installable version");
const notEnabled = () => new ApiError(404, "plugin_not_enabled", "Plugin is not enabled for this workspace");

/** A plugin's versions as the release rules read them (design.md §34, §39). */
const releasesOf = (versions: PluginVersionRow[]) => versions.map((v) => ({ ...v, reviewStatus: v.approvalStatus as ReviewStatus }));

/**
 * Why a plugin has no version to pin: 409 `no_installable_version` when it is visible (active, some
 * approved version active, deprecated or yanked) but every approved version is yanked, as for
 * items (issue 27 item 1); else 404 `plugin_not_found` (unknown, pending, inactive, or only
 * quarantined or revoked versions, which non-admins may not learn about).
 */
async function whyNotEnableable(db: Queryable, pluginId: string): Promise<ApiError> {
  const plugin = await findPlugin(db, pluginId);
  if (plugin?.isActive && isVisible(releasesOf(await versionsOfPlugin(db, pluginId)))) {
    return new ApiError(409, "no_installable_version", "Every approved version of this plugin is yanked; there is no version to enable.");
  }
  return notEnableable();
}

/**
 * 409 `permissions_not_accepted` (design.md §42): what the user must be shown and accept, as
 * `{permissions, permissions_hash, permission_changes: {added, removed}}` (changes from what the
 * workspace accepted; from nothing on a first enable).
 */
function permissionsNotAccepted(version: PluginVersionRow, accepted: Permissions): ApiError {
  const permissions = canonicalPermissions(version.permissions);
  return new ApiError(
    409,
    "permissions_not_accepted",
    `Version ${version.version} asks for permissions this workspace has not accepted; show them to the user and send {"accept_permissions": "${version.permissionsHash}"} to accept them.`,
    { permissions, permissions_hash: version.permissionsHash, permission_changes: permissionChanges(accepted, permissions) },
  );
}

/**
 * The consent rule of design.md §42 for pinning `version` where `accepted` was consented to (NO_PERMISSIONS
 * on a first enable): consent is needed when the version's permissions are not a subset of the
 * accepted ones, and is given by sending the version's `permissions_hash`. A hash that is sent must
 * be the version's, needed or not (a client that showed other permissions did not get consent).
 * Returns what the enablement records as accepted afterwards: unchanged on a move within the
 * consent, else the version's permissions.
 * @throws 409 `permissions_not_accepted`.
 */
function consentFor(version: PluginVersionRow, accepted: { permissions: Permissions; hash: string }, acceptPermissions: string | undefined) {
  const wanted = canonicalPermissions(version.permissions);
  if (acceptPermissions !== undefined && acceptPermissions !== version.permissionsHash) throw permissionsNotAccepted(version, accepted.permissions);
  if (isPermissionSubset(wanted, accepted.permissions)) return accepted;
  if (acceptPermissions === undefined) throw permissionsNotAccepted(version, accepted.permissions);
  return { permissions: wanted, hash: version.permissionsHash };
}

/**
 * Enables an active plugin for a workspace, pinned to its listed version (design.md §8, §34: the
 * highest approved stable version that is active or deprecated, else such a pre-release; never a
 * yanked, quarantined or revoked one), and adds one to `enable_count` in SQL, in one transaction.
 * The plugin row is locked (holdPlugins) before anything is read, so an admin's deactivate, hard
 * delete or status change that commits first is seen (404), and one that commits second waits for
 * the enablement and then removes it (issue 26 item 5): never an enablement of an inactive plugin,
 * nor a foreign-key error from a deleted one.
 * The pinned version's permissions must be accepted (design.md §42): a version that asks for any
 * needs `acceptPermissions` equal to its `permissions_hash`; the enablement records them.
 * @throws 404 `plugin_not_found` when the plugin is unknown, inactive or hidden (or was deleted
 *   meanwhile); 409 `no_installable_version` when every approved version is yanked; 409
 *   `permissions_not_accepted` (with the permissions to show); 409 `plugin_already_enabled` from
 *   the primary key (src/lib/conflicts.ts) when already enabled.
 */
export async function enablePlugin(db: Database, workspaceId: string, pluginId: string, actor: Actor, acceptPermissions?: string) {
  return db.transaction(async (tx) => {
    if (!(await holdPlugins(tx, [pluginId])).size) throw notEnableable();
    const found = await enableablePlugin(tx, pluginId);
    if (!found) throw await whyNotEnableable(tx, pluginId);
    const accepted = consentFor(found.version, { permissions: NO_PERMISSIONS, hash: NO_PERMISSIONS_HASH }, acceptPermissions);
    const row = await insertEnablement(tx, {
      workspaceId,
      pluginId,
      pluginVersionId: found.version.id,
      acceptedPermissions: accepted.permissions,
      acceptedPermissionsHash: accepted.hash,
      ...actor,
    });
    await shiftEnableCount(tx, pluginId, 1);
    // The workspace's assembled contexts may now include it (design.md §29).
    await bumpWorkspaceGenerations(tx, [workspaceId]);
    await appendEvents(tx, [{ type: "plugin.enabled", pluginId, workspaceId, data: { plugin_id: pluginId, version: found.version.version } }]);
    return {
      plugin_id: pluginId,
      workspace_id: workspaceId,
      slug: found.plugin.slug,
      name: found.plugin.name,
      version: found.version.version,
      enabled_at: row.enabledAt.toISOString(),
      // Canonical key order (jsonb does not keep it).
      permissions: canonicalPermissions(row.acceptedPermissions),
      permissions_hash: row.acceptedPermissionsHash,
    };
  });
}

/**
 * The workspace's enabled plugins, newest enablement first. Each row names its pinned version,
 * that version's `version_status` and public `status_message` (the notice of a deprecated or
 * yanked version; null otherwise, a takedown's reason included: design.md §35), and the update
 * fields of design.md §39 (`update`, `update_available`, `latest_version`, `listed_version`,
 * `safe_version`) from `updateFields` with manual offers (active and deprecated targets).
 * `update_details` gives the offered update's id, changelog, permissions and `permissions_hash`. A
 * new approval never moves a pin. `permissions`/`permissions_hash` are what the workspace accepted
 * (design.md §42); `permission_changes` (`{added, removed}` per kind) is set when the offered
 * update asks for other permissions than those, else null; `update_requires_consent` says whether
 * moving the pin needs `accept_permissions` (the update asks for more than was accepted).
 */
export async function listEnabledPlugins(db: Queryable, workspaceId: string) {
  const rows = await enabledPluginsOf(db, workspaceId);
  return {
    items: rows.map(({ plugin, pinned, versions, enabledAt, acceptedPermissions, acceptedPermissionsHash }) => {
      const releases = releasesOf(versions);
      const fields = updateFields(pinned, releases);
      const offered = fields.update === null ? undefined : releases.find((v) => v.version === fields.update);
      const accepted = canonicalPermissions(acceptedPermissions);
      const offeredPermissions = offered ? canonicalPermissions(offered.permissions) : undefined;
      const changes = offeredPermissions ? permissionChanges(accepted, offeredPermissions) : undefined;
      return {
        plugin_id: plugin.id,
        slug: plugin.slug,
        name: plugin.name,
        description: plugin.description,
        version: pinned.version,
        version_id: pinned.id,
        version_status: pinned.status,
        status_message: shownStatusMessage(pinned),
        is_active: plugin.isActive,
        skills_count: pinned.skillsCount,
        commands_count: pinned.commandsCount,
        token_estimate: pinned.tokenEstimate,
        enable_count: plugin.enableCount,
        security_status: pinned.securityStatus,
        enabled_at: enabledAt.toISOString(),
        permissions: accepted,
        permissions_hash: acceptedPermissionsHash,
        ...fields,
        permission_changes: changes && !isNoChange(changes) ? changes : null,
        update_requires_consent: offeredPermissions ? !isPermissionSubset(offeredPermissions, accepted) : false,
        update_details: offered
          ? { version: offered.version, version_id: offered.id, changelog: offered.changelog, permissions: offeredPermissions!, permissions_hash: offered.permissionsHash }
          : null,
      };
    }),
  };
}

/**
 * Disables a plugin: removes the enablement row, its assignments to this workspace's agents, and
 * one from `enable_count`, in one transaction (reference §2.4). Locks in the order every plugin
 * write does (the plugin row, then the enablement), and deletes the enablement before the
 * assignments: the delete waits for an assignment that holds the row (lockEnabledAmong), and the
 * next statement, reading after that commit, removes what it assigned (issue 26 item 5).
 * @throws 404 `plugin_not_enabled` (also when a deactivate or delete removed it first).
 */
export async function disablePlugin(db: Database, workspaceId: string, pluginId: string) {
  return db.transaction(async (tx) => {
    await holdPlugins(tx, [pluginId]);
    const removed = await deleteEnablement(tx, workspaceId, pluginId);
    if (!removed) throw notEnabled();
    const agentsUnassigned = await unassignFromWorkspaceAgents(tx, workspaceId, pluginId);
    await shiftEnableCount(tx, pluginId, -1);
    // Committed with the disable: no cached context of the workspace includes it after (design.md §29).
    await bumpWorkspaceGenerations(tx, [workspaceId]);
    await appendEvents(tx, [{ type: "plugin.disabled", pluginId, workspaceId, data: { plugin_id: pluginId, reason: "user", agents_unassigned: agentsUnassigned } }]);
    return { plugin_id: pluginId, workspace_id: workspaceId, disabled: true as const, agents_unassigned: agentsUnassigned };
  });
}

/**
 * Moves the workspace's pin (design.md §39, §40): by default to the update target (the highest
 * approved version above the pin whose status is active or deprecated: never a yanked,
 * quarantined or revoked one, nor a pre-release from a stable pin); with `toVersion`, to that
 * version, which must be the offered `update` or the `safe_version` (the only downgrade: the way
 * off a yanked or quarantined pin when nothing higher is offered).
 * A target that asks for more than the workspace accepted needs `acceptPermissions` equal to its
 * `permissions_hash` (design.md §42); without it the pin does not move.
 * @throws 404 `plugin_not_enabled`; 404 `plugin_not_found` when the plugin is inactive; 400
 *   `version_not_offered` when `toVersion` is neither; 409 `up_to_date` when there is nowhere to
 *   move; 409 `permissions_not_accepted` (with the permissions and their changes).
 */
export async function updatePluginPin(db: Database, workspaceId: string, pluginId: string, actor: Actor, toVersion?: string, acceptPermissions?: string) {
  return db.transaction(async (tx) => {
    const plugin = await lockPlugin(tx, pluginId);
    const enablement = await lockEnablement(tx, workspaceId, pluginId);
    if (!enablement) throw notEnabled();
    if (!plugin?.isActive) throw notEnableable();
    const releases = releasesOf(await versionsOfPlugin(tx, pluginId));
    const pinned = releases.find((v) => v.id === enablement.pluginVersionId)!;
    const fields = updateFields(pinned, releases);
    if (toVersion !== undefined && toVersion !== fields.update && toVersion !== fields.safe_version) {
      const offered = [fields.update, fields.safe_version].filter((v): v is string => v !== null && v !== pinned.version);
      throw new ApiError(400, "version_not_offered", `Version ${toVersion} is not offered; ${offered.length ? `offered: ${[...new Set(offered)].join(", ")}` : "nothing is offered"}.`);
    }
    const wanted = toVersion ?? fields.update;
    const target = wanted === null ? undefined : releases.find((v) => v.version === wanted);
    if (!target || target.id === pinned.id) {
      const safe = fields.safe_version !== null && fields.safe_version !== pinned.version ? ` Version ${fields.safe_version} is safe to move to: send {"version": "${fields.safe_version}"}.` : "";
      throw new ApiError(409, "up_to_date", `No newer version of this plugin is offered to the workspace's version ${pinned.version}.${safe}`);
    }
    const accepted = consentFor(
      target,
      { permissions: canonicalPermissions(enablement.acceptedPermissions), hash: enablement.acceptedPermissionsHash },
      acceptPermissions,
    );
    await repinEnablement(tx, workspaceId, pluginId, target.id, actor, accepted);
    // The workspace's contexts now carry the new version's text (design.md §29).
    await bumpWorkspaceGenerations(tx, [workspaceId]);
    await appendEvents(tx, [
      { type: "plugin.pin_updated", pluginId, workspaceId, data: { plugin_id: pluginId, from_version: pinned.version, version: target.version, applied_by: actor.actorType } },
    ]);
    return {
      plugin_id: pluginId,
      workspace_id: workspaceId,
      version: target.version,
      version_id: target.id,
      changelog: target.changelog,
      permissions: canonicalPermissions(accepted.permissions),
      permissions_hash: accepted.hash,
    };
  });
}
