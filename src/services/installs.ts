import type { Database, Queryable } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import {
  approvedVersionsOf,
  countWorkspaceInstall,
  endInstall,
  findApprovedVersion,
  findInstallableItem,
  findVersion,
  insertInstall,
  insertItemUnlessTaken,
  listedItemsByIds,
  liveInstallsOf,
  lockLiveInstall,
  setInstall,
  workspaceNamesLike,
  type LiveInstall,
} from "../db/queries/installs";
import { appendEvents } from "../db/queries/events";
import { bumpWorkspaceGenerations } from "../db/queries/generations";
import { replaceRecommendedAgents } from "../db/queries/publishing";
import type { CatalogEvent } from "../domain/events";
import { toolsOfAgents } from "../db/queries/catalog";
import { deleteItem, replaceAgentSkills } from "../db/queries/workspace-items";
import type { items } from "../db/schema";
import type { ItemType } from "../domain/item-types";
import { updateFields } from "../domain/releases";
import { isPrerelease } from "../domain/semver";
import { statusNotice } from "../domain/version-notice";
import { LISTABLE_STATUSES, VISIBLE_STATUSES } from "../domain/version-status";
import { cursorPage, pagingFields, pagingOf } from "../lib/cursor";
import { ApiError } from "../lib/errors";
import type { Actor } from "./auth/principal";
import { shownReplacement, toolRefsByName, visibleReplacements } from "./catalog";
import { cloneContent, type CloneContent } from "./clone-content";

export interface InstallContext {
  workspaceId: string;
  actor: Actor;
}

const MAX_NAME_LENGTH = 200;

export const notInstalled = () => new ApiError(404, "not_installed", "This item is not installed in this workspace.");
const itemNotFound = () => new ApiError(404, "item_not_found", "Marketplace item not found");
// The partial unique index decides "already installed" (design.md §6); kept in one place so the
// planned shared unique-violation mapping can take it over.
const alreadyInstalled = () => new ApiError(409, "already_installed", "Item already installed in workspace");
export const ACTIVE_INSTALL_INDEX = "marketplace_installs_active_key";

/** `Name`, `Name-copy`, `Name-copy-2`, …, shortened so the suffix always fits the name limit. */
export function copyName(base: string, n: number): string {
  const suffix = n === 0 ? "" : n === 1 ? "-copy" : `-copy-${n}`;
  const chars = Array.from(base);
  return chars.slice(0, MAX_NAME_LENGTH - suffix.length).join("") + suffix;
}

/**
 * Inserts the clone under the first free name. A name taken between the read and the insert
 * (another install, workspace CRUD) moves on to the next candidate instead of failing the
 * install: the insert skips on any unique conflict, and for a new workspace row only the name
 * indexes can conflict.
 */
async function insertUnderFreeName(tx: Queryable, values: Omit<typeof items.$inferInsert, "nameSkeleton"> & { workspaceId: string; type: string; name: string }) {
  const taken = await workspaceNamesLike(tx, values.workspaceId, values.type, values.name);
  for (let n = 0, clashes = 0; clashes < 5; n++) {
    const name = copyName(values.name, n);
    if (taken.has(name.toLowerCase())) continue;
    const row = await insertItemUnlessTaken(tx, { ...values, name });
    if (row) return row;
    taken.add(name.toLowerCase());
    clashes++;
  }
  throw new ApiError(409, "name_taken", "No free name for the installed copy; rename the existing items and retry.");
}

/** Links the version's skills that are still listed; names the others. */
async function linkSkills(tx: Queryable, cloneId: string, content: CloneContent, warnings: string[]) {
  const found = await listedItemsByIds(tx, "skill", content.skillIds);
  const ordered = content.skillIds.map((id) => found.find((s) => s.id === id)).filter((s) => s !== undefined);
  if (ordered.length < content.skillIds.length) warnings.push("Some skills of this version are no longer in the marketplace and were not linked.");
  await replaceAgentSkills(tx, cloneId, ordered.map((s) => s.id));
  return ordered.map((s) => ({ id: s.id, name: s.name }));
}

async function linkRecommendedAgents(tx: Queryable, cloneId: string, content: CloneContent) {
  const found = await listedItemsByIds(tx, "agent", content.recommendedAgentIds);
  const ordered = content.recommendedAgentIds.map((id) => found.find((a) => a.id === id)).filter((a) => a !== undefined);
  await replaceRecommendedAgents(tx, cloneId, ordered.map((a) => a.id));
  return ordered;
}

/** The tools an agent version uses: from its content, else (older versions) the listed row's. */
async function versionTools(tx: Queryable, itemId: string, content: CloneContent): Promise<string[]> {
  if (content.tools) return content.tools;
  return (await toolsOfAgents(tx, [itemId])).map((t) => t.appName);
}

export interface InstallOptions {
  /** An approved version to install instead of the listed one (pre-releases included). */
  version?: string;
  /** Runs inside the install transaction after the clone exists (the idempotency record). */
  beforeCommit?: (tx: Queryable, result: InstallResult) => Promise<void>;
}

export type InstallResult = Awaited<ReturnType<typeof installInTransaction>>;

/**
 * The version an install takes (design.md §34, §35): without `requested`, the listed version (409
 * `no_installable_version` when none is listed, i.e. every approved version is yanked); a named
 * version must be approved and neither quarantined nor revoked (else 404 `version_not_found`, the
 * same answer as for a version that never existed) and not yanked (409 `version_yanked` with the
 * publisher's `message`, the `replacement` item id and the `listed_version` to take instead).
 */
async function versionToInstall(tx: Queryable, item: { id: string; latestVersionId: string | null; version: string }, requested: string | undefined) {
  if (!requested) {
    const listed = item.latestVersionId ? await findVersion(tx, item.latestVersionId) : undefined;
    // latest_version_id is the listed version or NULL (the status service keeps it so); the status
    // is checked again so that nothing but a listable version is ever taken by default.
    if (!listed || listed.reviewStatus !== "approved" || !LISTABLE_STATUSES.includes(listed.status)) {
      throw new ApiError(409, "no_installable_version", "No version of this item can be installed: every approved version was yanked.");
    }
    return listed;
  }
  const version = await findApprovedVersion(tx, item.id, requested);
  if (!version || !VISIBLE_STATUSES.includes(version.status)) throw new ApiError(404, "version_not_found", `This item has no approved version ${requested}.`);
  if (version.status === "yanked") {
    const listed = item.latestVersionId ? await findVersion(tx, item.latestVersionId) : undefined;
    const replacement = shownReplacement(version.replacementItemId, await visibleReplacements(tx, [version.replacementItemId]));
    throw new ApiError(409, "version_yanked", `Version ${requested} was yanked and cannot be installed: ${version.statusMessage ?? "no reason given"}.`, {
      version: requested,
      message: version.statusMessage,
      replacement,
      listed_version: listed && LISTABLE_STATUSES.includes(listed.status) ? listed.version : null,
    });
  }
  return version;
}

async function installInTransaction(tx: Queryable, ctx: InstallContext, itemId: string, options: InstallOptions) {
  const item = await findInstallableItem(tx, itemId);
  if (!item) throw itemNotFound();
  if (item.type === "tool") {
    throw new ApiError(400, "not_installable", "Tools are not installable; connect the tool in your workspace and assign it to agents.");
  }
  const version = await versionToInstall(tx, item, options.version);

  // First, so that a second install (or a racing one) fails on the index before any other write.
  const install = await insertInstall(tx, { workspaceId: ctx.workspaceId, itemId: item.id, versionId: version.id, ...ctx.actor });
  const content = cloneContent(version, item.type, item.name);
  const clone = await insertUnderFreeName(tx, {
    type: item.type,
    name: content.name,
    description: content.description,
    tags: content.tags,
    marketplaceIcon: content.icon,
    details: content.details,
    version: version.version,
    ownerType: "workspace",
    ownerId: ctx.workspaceId,
    workspaceId: ctx.workspaceId,
    clonedFromId: item.id,
    originalCreatorId: item.originalCreatorId,
    createdByUserId: ctx.actor.actorType === "user" ? ctx.actor.actorId : null,
    ...ctx.actor,
  });

  const warnings: string[] = [];
  let skills: Array<{ id: string; name: string }> | undefined;
  let toolsToReconnect: Awaited<ReturnType<typeof toolRefsByName>> | undefined;
  let recommendedAgents: Array<{ id: string; name: string; description: string }> | undefined;
  if (item.type === "agent") {
    skills = await linkSkills(tx, clone.id, content, warnings);
    toolsToReconnect = await toolRefsByName(tx, await versionTools(tx, item.id, content));
  } else if (item.type === "recipe") {
    recommendedAgents = await linkRecommendedAgents(tx, clone.id, content);
  }
  await setInstall(tx, install.id, { cloneId: clone.id });
  // A workspace counts once per item: a re-install after uninstall adds nothing (design.md §53).
  await countWorkspaceInstall(tx, item.id, ctx.workspaceId, install.id);
  // A new clone (an agent, or skills agents link) is a change to the workspace's contexts' inputs (design.md §29).
  await bumpWorkspaceGenerations(tx, [ctx.workspaceId]);

  const result = {
    item_id: item.id,
    clone_id: clone.id,
    type: item.type as ItemType,
    name: clone.name,
    version: version.version,
    prerelease: isPrerelease(version.version),
    version_status: version.status,
    // A deprecated version installs with its notice (design.md §33).
    deprecation: statusNotice(version.status, version.statusMessage, shownReplacement(version.replacementItemId, await visibleReplacements(tx, [version.replacementItemId]))).deprecation,
    installed_at: install.installedAt.toISOString(),
    ...(skills ? { skills } : {}),
    ...(toolsToReconnect ? { tools_to_reconnect: toolsToReconnect } : {}),
    ...(recommendedAgents ? { recommended_agents: recommendedAgents } : {}),
    warnings,
  };
  await options.beforeCommit?.(tx, result);
  await appendEvents(tx, [
    { type: "install.created", itemId: item.id, workspaceId: ctx.workspaceId, data: { item_id: item.id, clone_id: clone.id, version: version.version } },
  ]);
  return result;
}

/**
 * Installs (clones) a listed marketplace item into the workspace in one transaction (issue 12
 * item 1; design.md §2, §4, §6, §7). See the install route's description for the full contract.
 * Errors: 404 `item_not_found` / `version_not_found`, 400 `not_installable` (tools), 409
 * `already_installed` (from the partial unique index, also for a racing transaction), 409
 * `name_taken` when no `-copy` name is free.
 */
export async function installItem(db: Database, ctx: InstallContext, itemId: string, options: InstallOptions = {}): Promise<InstallResult> {
  try {
    return await db.transaction((tx) => installInTransaction(tx, ctx, itemId, options));
  } catch (error) {
    if (isUniqueViolation(error, ACTIVE_INSTALL_INDEX)) throw alreadyInstalled();
    throw error;
  }
}

/**
 * Removes the workspace's clone and ends its install record in one transaction. `install_count`
 * is not decreased: it counts workspaces that ever installed the item (design.md §53). 404 `not_installed`.
 */
export async function uninstallItem(db: Database, workspaceId: string, itemId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const install = await lockLiveInstall(tx, workspaceId, itemId);
    if (!install) throw notInstalled();
    await endInstall(tx, install.id);
    if (install.cloneId) await deleteItem(tx, install.cloneId);
    // A removed agent clone's cached contexts must answer 404 from this commit on (design.md §29).
    await bumpWorkspaceGenerations(tx, [workspaceId]);
    await appendEvents(tx, [installRemovedEvent(workspaceId, itemId, install.cloneId)]);
  });
}

/** The `install.removed` event of an uninstall (also written when a clone is deleted through workspace CRUD). */
export const installRemovedEvent = (workspaceId: string, itemId: string, cloneId: string | null): CatalogEvent => ({
  type: "install.removed",
  itemId,
  workspaceId,
  data: { item_id: itemId, clone_id: cloneId },
});

type ApprovedVersion = Awaited<ReturnType<typeof approvedVersionsOf>>[number];

/**
 * The status and update fields of a live install (design.md §35, §39, §52): `version_status` of
 * the installed version (reported whatever it is: a safety signal), its `status_message` (deprecated
 * and yanked only, never a takedown's reason), `replacement` and `deprecation`, and
 * `updateFields`' `update`, `update_available`, `latest_version`, `listed_version` and
 * `safe_version`, and `update_deprecation` (the offered version's notice). A removed item offers
 * nothing (design.md §5): its versions are not consulted. `versions` are the item's approved
 * versions, whatever their status (updateTarget and listedVersion choose among active and
 * deprecated ones only).
 */
export function installStatusFields(row: LiveInstall, versions: ApprovedVersion[], visibleReplacementIds: Set<string>) {
  const installed = { version: row.installedVersion, status: row.installedStatus };
  const fields = updateFields(installed, row.removed ? [] : versions);
  const offered = fields.update === null ? undefined : versions.find((v) => v.version === fields.update);
  return {
    version_status: row.installedStatus,
    ...statusNotice(row.installedStatus, row.installedStatusMessage, shownReplacement(row.installedReplacementItemId, visibleReplacementIds)),
    ...fields,
    // A manual offer may be a deprecated version: it comes with its notice (design.md §39).
    update_deprecation: offered ? statusNotice(offered.status, offered.statusMessage, shownReplacement(offered.replacementItemId, visibleReplacementIds)).deprecation : null,
  };
}

/** Every replacement item id the installed versions and the items' approved versions name (for visibleReplacements). */
export const replacementIdsOf = (rows: LiveInstall[], versions: ApprovedVersion[]) => [
  ...rows.map((r) => r.installedReplacementItemId),
  ...versions.map((v) => v.replacementItemId),
];

/** One live install as the installed list shows it, with its version's status, update and removal state. */
function installView(row: LiveInstall, versions: ApprovedVersion[], visibleReplacementIds: Set<string>) {
  return {
    item_id: row.itemId,
    item_name: row.itemName,
    type: row.itemType,
    clone_id: row.cloneId,
    clone_name: row.cloneName,
    installed_version: row.installedVersion,
    ...installStatusFields(row, versions, visibleReplacementIds),
    removed: row.removed,
    installed_at: row.installedAt.toISOString(),
  };
}

export type InstallView = ReturnType<typeof installView>;

/**
 * The workspace's live installs, newest first (`installed_at` descending, then id; issue 12 item
 * 4), each with its version's status and update fields (installStatusFields). Installs of hidden
 * items (every approved version quarantined or revoked) stay listed: that is how a workspace learns
 * its copy was taken down. Pages by `offset`, or by `cursor` (keyset on `installed_at, id`; design.md
 * §51, §54; issue 30 item 3): the first page and every cursor page carry `next_cursor`. 400
 * `cursor_unsupported` for a cursor with an offset, `invalid_cursor` for one this API did not write.
 */
export async function listInstalls(db: Queryable, workspaceId: string, query: { limit: number; offset?: number; cursor?: string }) {
  const paging = pagingOf({ ...query, sort: undefined }, INSTALL_CURSOR_SORTS, "installed");
  const all = await liveInstallsOf(db, workspaceId);
  const after = paging.after;
  // The list's order read as a keyset: strictly after the cursor's (installed_at desc, id asc).
  const rest = after ? all.filter((r) => r.installedAtKey < after[0] || (r.installedAtKey === after[0] && r.installId > after[1])) : all.slice(paging.offset);
  const { rows, next_cursor } = cursorPage(rest.slice(0, paging.limit + 1), paging.limit, "installed", (r) => [r.installedAtKey, r.installId]);
  const approved = await approvedVersionsOf(db, [...new Set(rows.map((r) => r.itemId))]);
  const replacements = await visibleReplacements(db, replacementIdsOf(rows, approved));
  return {
    items: rows.map((r) => installView(r, approved.filter((v) => v.itemId === r.itemId), replacements)),
    total: all.length,
    total_exact: true,
    ...pagingFields(paging, next_cursor),
  };
}

const INSTALL_CURSOR_SORTS = ["installed"] as const;

/** Whether and which version the workspace installed (for the item detail), or null. */
export async function installOf(db: Queryable, workspaceId: string, itemId: string) {
  const [row] = await liveInstallsOf(db, workspaceId, itemId);
  if (!row) return null;
  return { version: row.installedVersion, version_status: row.installedStatus, clone_id: row.cloneId, installed_at: row.installedAt.toISOString() };
}

