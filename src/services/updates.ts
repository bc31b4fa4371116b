import type { Database, Queryable } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import {
  approvedVersionsOf,
  findInstallableItem,
  findVersion,
  listedItemsByIds,
  liveInstallsOf,
  lockClone,
  lockLiveInstall,
  setInstall,
} from "../db/queries/installs";
import { replaceRecommendedAgents } from "../db/queries/publishing";
import { toolsOf, updateItem, replaceAgentSkills } from "../db/queries/workspace-items";
import { releasesBetween, updateTarget } from "../domain/releases";
import { ApiError } from "../lib/errors";
import type { Actor } from "./auth/principal";
import { toolRefsByName } from "./catalog";
import { cloneContent } from "./clone-content";
import { notInstalled } from "./installs";

/**
 * Updates available to the workspace (issue 12 item 5): for each live install, once per item,
 * the item's update target by semver precedence (src/domain/releases.ts `updateTarget`: the
 * highest approved stable version, and for an install on a pre-release also newer pre-releases
 * of its line) with the changelogs of the approved versions after the installed one up to the
 * target, newest first. An install of a removed item is listed with `removed: true` instead.
 */
export async function listUpdates(db: Queryable, workspaceId: string, page: { limit: number; offset: number }) {
  const installs = await liveInstallsOf(db, workspaceId);
  const approved = await approvedVersionsOf(db, [...new Set(installs.filter((i) => i.listed).map((i) => i.itemId))]);
  const entries: Array<{
    item_id: string;
    item_name: string;
    item_type: string;
    clone_id: string | null;
    current_version: string;
    latest_version: string | null;
    removed: boolean;
    changelogs: Array<{ version: string; changelog: string | null }>;
  }> = [];
  for (const install of installs) {
    const base = {
      item_id: install.itemId,
      item_name: install.itemName,
      item_type: install.itemType,
      clone_id: install.cloneId,
      current_version: install.installedVersion,
    };
    if (install.removed || !install.listed) {
      entries.push({ ...base, latest_version: null, removed: true, changelogs: [] });
      continue;
    }
    const versions = approved.filter((v) => v.itemId === install.itemId);
    const target = updateTarget({ version: install.installedVersion, status: install.installedStatus }, versions);
    if (!target) continue;
    entries.push({
      ...base,
      latest_version: target.version,
      removed: false,
      changelogs: releasesBetween(install.installedVersion, target.version, versions).map((v) => ({ version: v.version, changelog: v.changelog })),
    });
  }
  return { items: entries.slice(page.offset, page.offset + page.limit), total: entries.length, ...page };
}

/** Published fields an update overwrites on the copy; everything else on it is kept. */
export const OVERWRITTEN_FIELDS = ["description", "tags", "icon", "details", "version", "skills (agents)", "recommended agents (recipes)"] as const;
export const KEPT_FIELDS = ["id", "name (when renamed)", "tool connections (agents)", "created_at"] as const;

/**
 * Moves the workspace's copy to the update target's published configuration in one transaction
 * and records the new version on the install. The name follows the published name only while
 * the copy still carries the installed version's name exactly (a renamed or `-copy` name is
 * kept, and so is the old name if the new one is taken in the workspace). Errors: 404
 * `not_installed`, 409 `item_removed` (the item left the marketplace: nothing to update to),
 * 409 `up_to_date`.
 */
export async function applyUpdate(db: Database, workspaceId: string, itemId: string, actor: Actor) {
  return db.transaction(async (tx) => {
    const install = await lockLiveInstall(tx, workspaceId, itemId);
    if (!install) throw notInstalled();
    const item = await findInstallableItem(tx, itemId);
    if (!item) throw new ApiError(409, "item_removed", "This item was removed from the marketplace; there is no update to apply.");
    const current = (await findVersion(tx, install.versionId))!;
    const approved = await approvedVersionsOf(tx, [itemId]);
    const target = updateTarget(current, approved);
    if (!target) throw new ApiError(409, "up_to_date", `Version ${current.version} is already the newest this install is offered.`);
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
    return {
      item_id: itemId,
      clone_id: clone.id,
      name: row.name,
      previous_version: current.version,
      version: target.version,
      overwritten: [...OVERWRITTEN_FIELDS],
      kept: [...KEPT_FIELDS],
      ...(toolsToReconnect ? { tools_to_reconnect: toolsToReconnect } : {}),
    };
  });
}
