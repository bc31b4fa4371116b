import type { Database, Queryable } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { bumpWorkspaceGenerations } from "../db/queries/generations";
import {
  approvedVersionsOf,
  findMarketplaceItem,
  findVersion,
  listedItemsByIds,
  liveInstallsOf,
  lockClone,
  lockLiveInstall,
  setInstall,
} from "../db/queries/installs";
import { appendEvents } from "../db/queries/events";
import { replaceRecommendedAgents } from "../db/queries/publishing";
import { toolsOf, updateItem, replaceAgentSkills } from "../db/queries/workspace-items";
import { releasesBetween, updateFields } from "../domain/releases";
import { statusNotice } from "../domain/version-notice";
import { LISTABLE_STATUSES, type VersionStatus } from "../domain/version-status";
import { ApiError } from "../lib/errors";
import type { Actor } from "./auth/principal";
import { shownReplacement, toolRefsByName, visibleReplacements } from "./catalog";
import { cloneContent } from "./clone-content";
import { installStatusFields, notInstalled, replacementIdsOf } from "./installs";

/**
 * Updates available to the workspace (issue 12 item 5; design.md §39, §52): once per live install
 * that has somewhere to move, with the installed version's status fields and the update fields of
 * `installStatusFields` (`update`, `update_available`, `latest_version`, `listed_version`,
 * `safe_version`). An entry is listed when an `update` is offered (the highest approved active or
 * deprecated version newer than the installed one, src/domain/releases.ts `updateTarget`; never a
 * yanked, quarantined or revoked one), or when the installed version is yanked, quarantined or
 * revoked and a `safe_version` other than it exists (then possibly a lower one: the only
 * downgrade). `changelogs` are those of the approved versions after the installed one up to
 * `update`, newest first. An install of a removed item is listed with `removed: true` instead.
 * `item_type` and `current_version` are deprecated aliases of `type` and `installed_version`.
 */
export async function listUpdates(db: Queryable, workspaceId: string, page: { limit: number; offset: number }) {
  const installs = await liveInstallsOf(db, workspaceId);
  const approved = await approvedVersionsOf(db, [...new Set(installs.filter((i) => !i.removed).map((i) => i.itemId))]);
  const replacements = await visibleReplacements(db, replacementIdsOf(installs, approved));
  const entries = [];
  for (const install of installs) {
    const versions = approved.filter((v) => v.itemId === install.itemId);
    const fields = installStatusFields(install, versions, replacements);
    const moveToSafe = fields.safe_version !== null && fields.safe_version !== install.installedVersion;
    if (!install.removed && fields.update === null && !moveToSafe) continue;
    entries.push({
      item_id: install.itemId,
      item_name: install.itemName,
      type: install.itemType,
      item_type: install.itemType,
      clone_id: install.cloneId,
      installed_version: install.installedVersion,
      current_version: install.installedVersion,
      ...fields,
      removed: install.removed,
      changelogs:
        fields.update === null
          ? []
          : releasesBetween(install.installedVersion, fields.update, versions).map((v) => ({ version: v.version, changelog: v.changelog })),
    });
  }
  return { items: entries.slice(page.offset, page.offset + page.limit), total: entries.length, ...page };
}

/** Published fields an update overwrites on the copy; everything else on it is kept. */
export const OVERWRITTEN_FIELDS = ["description", "tags", "icon", "details", "version", "skills (agents)", "recommended agents (recipes)"] as const;
export const KEPT_FIELDS = ["id", "name (when renamed)", "tool connections (agents)", "created_at"] as const;

/**
 * Where an apply-update moves an install (design.md §39, §40): `wanted` must be the offered
 * `update` or the `safe_version` (other than the installed version), else 400
 * `version_not_offered` (the body names both); without it, the `update`, else the `safe_version`
 * when the installed version is yanked, quarantined or revoked (the only downgrade); else 409
 * `no_installable_version` for such a version (nothing safe exists), 409 `up_to_date` for a safe one.
 */
function moveTarget(current: { version: string; status: VersionStatus }, approved: Awaited<ReturnType<typeof approvedVersionsOf>>, wanted: string | undefined) {
  const fields = updateFields(current, approved);
  const safe = fields.safe_version !== null && fields.safe_version !== current.version ? fields.safe_version : null;
  if (wanted !== undefined) {
    if (wanted !== fields.update && wanted !== safe) {
      throw new ApiError(400, "version_not_offered", `Version ${wanted} is not offered to this install; it may move to the offered update or its safe version.`, {
        update: fields.update,
        safe_version: safe,
      });
    }
    return approved.find((v) => v.version === wanted)!;
  }
  const installedIsSafe = LISTABLE_STATUSES.includes(current.status);
  const to = fields.update ?? (installedIsSafe ? null : safe);
  if (to === null && !installedIsSafe) {
    // Never "up to date" for a version that was taken back: say there is nothing safe to move to.
    throw new ApiError(409, "no_installable_version", `Version ${current.version} was ${current.status} and no other version of this item can be installed; there is no safe version to move to.`);
  }
  if (to === null) throw new ApiError(409, "up_to_date", `Version ${current.version} is already the newest this install is offered.`);
  return approved.find((v) => v.version === to)!;
}

/**
 * Moves the workspace's copy to a version's published configuration in one transaction and
 * records the new version on the install: the offered update, or the safe version when the
 * installed one was yanked, quarantined or revoked (moveTarget; `toVersion` picks one of the two).
 * The name follows the published name only while the copy still carries the installed version's
 * name exactly (a renamed or `-copy` name is kept, and so is the old name if the new one is taken
 * in the workspace). The answer carries the new version's `version_status` and `deprecation`.
 * Errors: 404 `not_installed`, 409 `item_removed` (the item left the marketplace: nothing to
 * update to), 409 `up_to_date`, 400 `version_not_offered`.
 */
export async function applyUpdate(db: Database, workspaceId: string, itemId: string, actor: Actor, options: { toVersion?: string } = {}) {
  return db.transaction(async (tx) => {
    const install = await lockLiveInstall(tx, workspaceId, itemId);
    if (!install) throw notInstalled();
    // Not only visible items: an install of an item hidden by takedowns may still move to a safe version.
    const item = await findMarketplaceItem(tx, itemId);
    if (!item) throw new ApiError(409, "item_removed", "This item was removed from the marketplace; there is no update to apply.");
    const current = (await findVersion(tx, install.versionId))!;
    const approved = await approvedVersionsOf(tx, [itemId]);
    const target = moveTarget(current, approved, options.toVersion);
    const deprecation = statusNotice(target.status, target.statusMessage, shownReplacement(target.replacementItemId, await visibleReplacements(tx, [target.replacementItemId]))).deprecation;
    const clone = install.cloneId ? await lockClone(tx, workspaceId, install.cloneId) : undefined;
    if (!clone) throw notInstalled();

    const next = cloneContent((await findVersion(tx, target.id))!, item.type, item.name);
    const previous = cloneContent(current, item.type, item.name);
    let row = await updateItem(tx, clone.id, {
      description: next.description,
      tags: next.tags,
      marketplaceIcon: next.icon,
      details: next.details,
      version: target.version,
      ...actor,
    });
    if (clone.name === previous.name && next.name !== previous.name) {
      try {
        row = await tx.transaction((sp) => updateItem(sp, clone.id, { name: next.name }));
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }

    let toolsToReconnect: Awaited<ReturnType<typeof toolRefsByName>> | undefined;
    if (item.type === "agent") {
      const skills = await listedItemsByIds(tx, "skill", next.skillIds);
      await replaceAgentSkills(tx, clone.id, next.skillIds.filter((id) => skills.some((s) => s.id === id)));
      const connected = new Set((await toolsOf(tx, clone.id)).map((t) => t.appName));
      toolsToReconnect = await toolRefsByName(tx, (next.tools ?? []).filter((t) => !connected.has(t.toUpperCase())));
    } else if (item.type === "recipe") {
      const agents = await listedItemsByIds(tx, "agent", next.recommendedAgentIds);
      await replaceRecommendedAgents(tx, clone.id, next.recommendedAgentIds.filter((id) => agents.some((a) => a.id === id)));
    }
    await setInstall(tx, install.id, { versionId: target.id });
    // The clone's new configuration (an agent's persona, model) is an input of its contexts (design.md §29).
    await bumpWorkspaceGenerations(tx, [workspaceId]);
    await appendEvents(tx, [
      {
        type: "update.applied",
        itemId,
        workspaceId,
        data: { item_id: itemId, clone_id: clone.id, from_version: current.version, version: target.version, applied_by: actor.actorType },
      },
    ]);
    return {
      item_id: itemId,
      clone_id: clone.id,
      name: row.name,
      previous_version: current.version,
      version: target.version,
      version_status: target.status,
      deprecation,
      overwritten: [...OVERWRITTEN_FIELDS],
      kept: [...KEPT_FIELDS],
      ...(toolsToReconnect ? { tools_to_reconnect: toolsToReconnect } : {}),
    };
  });
}
