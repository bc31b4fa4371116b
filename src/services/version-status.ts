import type { Cache } from "../clients/cache";
import type { Database, Queryable } from "../db/client";
import { appendEvents } from "../db/queries/events";
import { bumpTakedownGeneration, bumpWorkspaceGenerations } from "../db/queries/generations";
import { lockPlugin, pluginNameHolder, updatePlugin, versionsOfPlugin, type PluginVersionRow } from "../db/queries/plugins";
import { insertAudit, lockMarketplaceItem, updateMarketplaceItem, versionsOfItem, type VersionRow } from "../db/queries/publishing";
import {
  detachPinnedTo,
  materialisedSkillVersions,
  visibleItemOfType,
  writeItemVersionStatus,
  writePluginVersionStatus,
  type VersionStatusValues,
} from "../db/queries/version-status";
import { versionEventType, type CatalogEvent } from "../domain/events";
import { isVisible, listedVersion, shownVersion } from "../domain/releases";
import {
  MESSAGE_REQUIRED,
  normalizedStatusMessage,
  REPLACEMENT_ALLOWED,
  statusMessageRefusal,
  transitionRefusal,
  type ReviewStatus,
  type StatusRequester,
  type VersionStatus,
} from "../domain/version-status";
import { ApiError } from "../lib/errors";
import type { AnyActor } from "./auth/principal";
import { invalidateCatalog } from "./catalog-cache";
import { mirror } from "./moderation";
import { manifestName } from "./plugins/moderation";

/**
 * The one path by which a version's status changes (design.md §23, §33, §34, §36): every
 * takedown, release, yank, deprecation, report resolution and policy run calls
 * `changeItemVersionStatus` or `changePluginVersionStatus`. In one transaction each writes the
 * status, message, actor and time; recomputes the listed version and visibility; bumps the
 * takedown generation (design.md §29); writes one `audit_log` row and, last, its events through
 * `appendEvents`. After the commit it invalidates the catalog pages (a `DEL`, design.md §29).
 */

export interface StatusDeps {
  db: Database;
  cache: Cache;
  actor: AnyActor;
  requestId: string | null;
  /** Runs inside the transaction after the status is written, before the audit row (tests inject failures here). */
  afterWrite?: (tx: Queryable) => Promise<void>;
}

/** What is asked: the new status, its message (the reason for quarantine and revoke) and an optional replacement item. */
export interface StatusChange {
  version: string;
  status: VersionStatus;
  message?: string | null;
  replacementItemId?: string | null;
  requester: StatusRequester;
  /** For a publisher: the workspace it acts in; the item must be published from it (else 404). */
  publisherWorkspaceId?: string | null;
  /** Extra audit details (a report resolution names its reports here, design.md §46). */
  auditDetails?: Record<string, unknown>;
}

const itemNotFound = () => new ApiError(404, "item_not_found", "Marketplace item not found");
const pluginNotFound = () => new ApiError(404, "plugin_not_found", "Plugin not found");
const versionNotFound = (version: string) => new ApiError(404, "version_not_found", `There is no version ${version}.`);

/** Refuses what design.md §33 refuses: an unapproved version, a forbidden transition, a missing message. */
function checkTransition(version: { reviewStatus: string; status: VersionStatus }, change: StatusChange) {
  if (version.reviewStatus !== "approved") {
    throw new ApiError(409, "invalid_transition", `Version ${change.version} is ${version.reviewStatus}; only approved versions take a status.`);
  }
  const refused = transitionRefusal(change.requester, version.status, change.status);
  if (refused) throw new ApiError(refused.status, refused.code, refused.detail);
  const message = normalizedStatusMessage(change.message);
  const refusal = message === null ? null : statusMessageRefusal(message);
  if (refusal) throw new ApiError(400, "validation_failed", `The message ${refusal}.`);
  if (MESSAGE_REQUIRED.includes(change.status) && !message) {
    throw new ApiError(400, "message_required", `A message is required to set a version ${change.status}${change.status === "quarantined" || change.status === "revoked" ? " (the reason)" : ""}.`);
  }
  if (change.replacementItemId && !REPLACEMENT_ALLOWED.includes(change.status)) {
    throw new ApiError(400, "invalid_replacement", "A replacement item can only be named for a deprecated or yanked version.");
  }
  return message;
}

/** The values written on the version row (design.md §33: a quarantine saves what it interrupted). */
function statusValues(from: VersionStatus, current: { replacementItemId: string | null; statusPrevious: VersionStatus | null }, change: StatusChange, message: string | null, actor: AnyActor): VersionStatusValues {
  const to = change.status;
  const takedown = to === "quarantined" || to === "revoked";
  return {
    status: to,
    // An activation carries no notice: a message sent with it is not kept.
    statusMessage: to === "active" ? null : message,
    statusPrevious: to === "quarantined" ? (from as VersionStatus) : to === "revoked" ? (current.statusPrevious ?? (from === "quarantined" ? null : from)) : null,
    statusActorType: actor.actorType,
    statusActorId: actor.actorId,
    // Kept through a takedown, so a release restores it; cleared on activation.
    replacementItemId: takedown ? current.replacementItemId : to === "active" ? null : (change.replacementItemId ?? null),
  };
}

/** The `version.*` event of a change (design.md §31): `message` only for deprecated and yanked, never a takedown reason. */
function versionEvent(subject: { itemId?: string; pluginId?: string }, from: VersionStatus, values: VersionStatusValues, version: string): CatalogEvent {
  const shown = values.status === "deprecated" || values.status === "yanked";
  return {
    type: versionEventType(values.status, from),
    itemId: subject.itemId ?? null,
    pluginId: subject.pluginId ?? null,
    data: {
      subject_type: subject.itemId ? "item" : "plugin",
      ...(subject.itemId ? { item_id: subject.itemId } : { plugin_id: subject.pluginId }),
      version,
      status: values.status,
      ...(shown && values.replacementItemId ? { replacement_item_id: values.replacementItemId } : {}),
      ...(shown ? { message: values.statusMessage } : {}),
    },
  };
}

function audit(tx: Queryable, deps: StatusDeps, target: { type: "item_version" | "plugin_version"; id: string; workspaceId?: string | null }, reason: string | null, details: Record<string, unknown>) {
  return insertAudit(tx, {
    actorType: deps.actor.actorType,
    actorId: deps.actor.actorId,
    action: "version.status",
    targetType: target.type,
    targetId: target.id,
    workspaceId: target.workspaceId ?? null,
    reason,
    details,
    requestId: deps.requestId,
  });
}

/**
 * Recomputes an item's listed version and visibility after a status change (design.md §34): the
 * row mirrors the new listed version (keeping its name on a clash), `latest_version_id` is it or
 * NULL, `is_approved` is "visible", and `version` shows the listed version, else the highest
 * yanked one. Returns the listed version before and after, and whether the name was kept.
 */
async function recomputeItem(tx: Queryable, item: { id: string; type: string; latestVersionId: string | null; version: string }, versions: VersionRow[], actor: AnyActor) {
  const listed = listedVersion(versions);
  const shown = shownVersion(versions);
  const before = versions.find((v) => v.id === item.latestVersionId)?.version ?? null;
  let nameKept = false;
  if (listed && listed.id !== item.latestVersionId) nameKept = (await mirror(tx, item.id, item.type, listed, actor, "keep")).nameKept;
  await updateMarketplaceItem(tx, item.id, {
    latestVersionId: listed?.id ?? null,
    isApproved: isVisible(versions),
    version: shown?.version ?? item.version,
    actorType: actor.actorType,
    actorId: actor.actorId,
  });
  return { before, after: listed?.version ?? null, nameKept };
}

/**
 * Applies a change to one item version inside `tx` (the caller's transaction, which must append the
 * returned events last and invalidate the catalog after its commit); returns what the caller
 * answers and the events. Report resolutions (services/reports/resolve.ts) call it in their own
 * transaction; everything else goes through `changeItemVersionStatus`.
 */
export async function changeItemVersionInTx(tx: Queryable, deps: StatusDeps, itemId: string, change: StatusChange, extraAudit: Record<string, unknown> = {}) {
  const item = await lockMarketplaceItem(tx, itemId);
  if (!item) throw itemNotFound();
  if (change.requester === "publisher") {
    if (!item.publisherWorkspaceId) throw new ApiError(409, "no_publisher", "This item has no publisher workspace; only a platform admin can change its versions.");
    if (item.publisherWorkspaceId !== change.publisherWorkspaceId) throw itemNotFound();
  }
  const versions = await versionsOfItem(tx, itemId);
  const version = versions.find((v) => v.version === change.version);
  if (!version) throw versionNotFound(change.version);
  const from = version.status;
  const message = checkTransition(version, change);
  if (change.replacementItemId) {
    if (change.replacementItemId === itemId || !(await visibleItemOfType(tx, change.replacementItemId, item.type))) {
      throw new ApiError(400, "invalid_replacement", `The replacement must be another visible marketplace ${item.type}.`);
    }
  }
  const values = statusValues(from, version, change, message, deps.actor);
  await writeItemVersionStatus(tx, version.id, values);
  await deps.afterWrite?.(tx);
  const updated = versions.map((v) => (v.id === version.id ? { ...v, status: values.status } : v));
  const listed = await recomputeItem(tx, item, updated, deps.actor);
  await bumpTakedownGeneration(tx);
  await audit(tx, deps, { type: "item_version", id: version.id, workspaceId: item.publisherWorkspaceId }, message, {
    item_id: itemId,
    version: change.version,
    from,
    to: values.status,
    replacement_item_id: values.replacementItemId,
    listed_version: listed.after,
    previous_listed_version: listed.before,
    ...(listed.nameKept ? { name_kept: true } : {}),
    ...change.auditDetails,
    ...extraAudit,
  });
  const events: CatalogEvent[] = [versionEvent({ itemId }, from, values, change.version)];
  if (listed.before !== listed.after) {
    events.push({ type: "item.listed_version_changed", itemId, data: { item_id: itemId, version: listed.after, previous_version: listed.before } });
  }
  return {
    events,
    result: {
      item_id: itemId,
      version: change.version,
      status: values.status,
      previous_status: from,
      message: values.statusMessage,
      replacement_item_id: values.status === "deprecated" || values.status === "yanked" ? values.replacementItemId : null,
      listed_version: listed.after,
      installable: listed.after !== null,
    },
  };
}

/**
 * Changes the status of an approved item version (design.md §23, §33, §34).
 * @throws 404 `item_not_found` (unknown, removed, or for a publisher another workspace's item);
 *   404 `version_not_found`; 409 `no_publisher` (a publisher on an item without one);
 *   409 `invalid_transition`; 403 `admin_required`; 400 `message_required`, `invalid_replacement`.
 */
export async function changeItemVersionStatus(deps: StatusDeps, itemId: string, change: StatusChange) {
  const { result } = await deps.db.transaction(async (tx) => {
    const changed = await changeItemVersionInTx(tx, deps, itemId, change);
    await appendEvents(tx, changed.events);
    return changed;
  });
  await invalidateCatalog(deps.cache);
  return result;
}

/**
 * The plugin row after a status change: the listed version and the manifest fields it mirrors
 * (design.md §34), name and tags normalised as at approval (issue 26 item 2). A name another plugin
 * holds (or a look-alike) is not taken: the row keeps its name and `nameKept` says so, for the audit.
 */
async function recomputePlugin(tx: Queryable, plugin: { id: string; name: string; latestVersionId: string | null }, versions: Array<PluginVersionRow & { reviewStatus: ReviewStatus }>, actor: AnyActor) {
  const listed = listedVersion(versions);
  const before = versions.find((v) => v.id === plugin.latestVersionId)?.version ?? null;
  let nameKept = false;
  if ((listed?.id ?? null) !== plugin.latestVersionId) {
    const m = (listed?.manifest ?? {}) as { name?: string; description?: string; long_description?: string; tags?: string[]; author?: string; license?: string };
    const name = manifestName(m, plugin.name);
    nameKept = name !== plugin.name && (await pluginNameHolder(tx, name, plugin.id)) !== undefined;
    await updatePlugin(tx, plugin.id, {
      latestVersionId: listed?.id ?? null,
      ...(listed
        ? { ...(nameKept ? {} : { name }), description: m.description ?? null, longDescription: m.long_description ?? null, tags: m.tags ?? [], license: m.license ?? null }
        : {}),
      actorType: actor.actorType,
      actorId: actor.actorId,
    });
  }
  return { before, after: listed?.version ?? null, nameKept };
}

/**
 * Changes the status of an approved plugin version (platform admins; design.md §23, §33, §34, §36).
 * A revoke removes, in the same transaction, every enablement pinned to the version and the
 * plugin's agent assignments in those workspaces (one `plugin.disabled` event each, reason
 * `revoked`). The skills materialised from the version take the same status, each with its own
 * audit row and `version.*` event.
 * @throws 404 `plugin_not_found`, `version_not_found`; 409 `invalid_transition`; 403
 *   `admin_required`; 400 `message_required`, `invalid_replacement`.
 */
export async function changePluginVersionStatus(deps: StatusDeps, pluginId: string, change: StatusChange) {
  const { result } = await deps.db.transaction(async (tx) => {
    const changed = await changePluginVersionInTx(tx, deps, pluginId, change);
    await appendEvents(tx, changed.events);
    return changed;
  });
  await invalidateCatalog(deps.cache);
  return result;
}

/**
 * `changePluginVersionStatus` inside the caller's transaction (as `changeItemVersionInTx`): the
 * caller appends the returned events last and invalidates the catalog after its commit.
 */
export async function changePluginVersionInTx(tx: Queryable, deps: StatusDeps, pluginId: string, change: StatusChange) {
  const plugin = await lockPlugin(tx, pluginId);
  if (!plugin) throw pluginNotFound();
  const versions = await versionsOfPlugin(tx, pluginId);
  const version = versions.find((v) => v.version === change.version);
  if (!version) throw versionNotFound(change.version);
  const from = version.status;
  const message = checkTransition({ reviewStatus: version.approvalStatus, status: from }, change);
  if (change.replacementItemId) {
    throw new ApiError(400, "invalid_replacement", "A plugin version cannot name a replacement item.");
  }
  const values = statusValues(from, version, change, message, deps.actor);
  await writePluginVersionStatus(tx, version.id, values);
  await deps.afterWrite?.(tx);
  const updated = versions.map((v) => ({ ...v, reviewStatus: v.approvalStatus as ReviewStatus, status: v.id === version.id ? values.status : v.status }));
  const listed = await recomputePlugin(tx, plugin, updated, deps.actor);
  const detached = values.status === "revoked" ? await detachPinnedTo(tx, pluginId, version.id) : { workspaceIds: [], agents: 0 };
  await bumpWorkspaceGenerations(tx, detached.workspaceIds);
  await bumpTakedownGeneration(tx);
  await audit(tx, deps, { type: "plugin_version", id: version.id }, message, {
    plugin_id: pluginId,
    slug: plugin.slug,
    version: change.version,
    from,
    to: values.status,
    listed_version: listed.after,
    previous_listed_version: listed.before,
    workspaces_disabled: detached.workspaceIds.length,
    agents_unassigned: detached.agents,
    ...(listed.nameKept ? { name_kept: true } : {}),
    ...change.auditDetails,
  });
  const events: CatalogEvent[] = [versionEvent({ pluginId }, from, values, change.version)];
  if (listed.before !== listed.after) {
    events.push({ type: "plugin.listed_version_changed", pluginId, data: { plugin_id: pluginId, version: listed.after, previous_version: listed.before } });
  }
  for (const workspaceId of detached.workspaceIds) {
    events.push({ type: "plugin.disabled", pluginId, workspaceId, data: { plugin_id: pluginId, version: change.version, reason: "revoked" } });
  }
  // Materialised skills follow their plugin version (design.md §36), as the same actor, in this transaction.
  const skills = await materialisedSkillVersions(tx, version.id, version.version);
  for (const skill of skills) {
    if (skill.reviewStatus !== "approved" || skill.status === values.status || skill.status === "revoked") continue;
    const follow = await changeItemVersionInTx(
      tx,
      deps,
      skill.itemId,
      // The plugin change's audit details too: a job's skill rows also say `details.job` (design.md §44).
      { version: skill.version, status: values.status, message: values.statusMessage, requester: deps.actor.actorType === "system" ? "system" : "admin", auditDetails: change.auditDetails },
      { source_plugin_version_id: version.id },
    );
    events.push(...follow.events);
  }
  return {
    events,
    result: {
      plugin_id: pluginId,
      version: change.version,
      status: values.status,
      previous_status: from,
      message: values.statusMessage,
      listed_version: listed.after,
      installable: listed.after !== null,
      workspaces_disabled: detached.workspaceIds.length,
      agents_unassigned: detached.agents,
      skills_updated: skills.length,
    },
  };
}
