import type { Cache } from "../../clients/cache";
import type { Database, Queryable } from "../../db/client";
import { appendEvents } from "../../db/queries/events";
import { lockPlugin, type PluginVersionRow } from "../../db/queries/plugins";
import { insertAudit } from "../../db/queries/publishing";
import {
  answerAppeals,
  closeReports,
  findSubject,
  insertModerationAction,
  lockSubjectRow,
  openAppealsFor,
  openReportsFor,
  type SubjectRef,
  type SubjectRow,
} from "../../db/queries/reports";
import type { CatalogEvent } from "../../domain/events";
import { ACTION_STATUS, normalizedReportText, reportTextRefusal, VERSION_ACTIONS, type ModerationAction } from "../../domain/reports";
import type { VersionStatus } from "../../domain/version-status";
import { ApiError } from "../../lib/errors";
import type { Actor } from "../auth/principal";
import { invalidateCatalog } from "../catalog-cache";
import { removeItemInTx } from "../moderation";
import { subjectNotFound } from "./file";
import { invalidatePluginContent } from "../plugins/content";
import { deactivatePluginInTx } from "../plugins/moderation";
import { changeItemVersionInTx, changePluginVersionInTx } from "../version-status";

export interface ResolveDeps {
  db: Database;
  cache: Cache;
  actor: Actor;
  requestId: string;
  now?: Date;
}

export interface ResolveInput {
  subject: SubjectRef;
  version: string | null;
  action: ModerationAction;
  note: string;
  /** `deprecate` and `yank` of an item version only: the item users should move to (design.md §33). */
  replacementItemId?: string | null;
}


/** What the action did to the subject: the status before and after (version actions), and what to clean after the commit. */
interface Applied {
  events: CatalogEvent[];
  fromStatus: VersionStatus | null;
  toStatus: VersionStatus | null;
  outcome: Record<string, unknown>;
  pluginVersions: PluginVersionRow[];
}

/**
 * Applies the action through the code every other path uses (design.md §46: no second path): the
 * version status service for the version actions, the item soft delete or the plugin deactivation
 * for `remove`; `dismiss` changes nothing.
 */
async function applyAction(tx: Queryable, deps: ResolveDeps, subject: SubjectRow, input: ResolveInput, note: string, reportIds: string[]): Promise<Applied> {
  const none: Applied = { events: [], fromStatus: null, toStatus: null, outcome: {}, pluginVersions: [] };
  if (input.action === "dismiss") return none;
  if (input.action === "remove") {
    if (subject.type === "item") {
      if (!subject.publisherWorkspaceId) throw new ApiError(409, "no_publisher", "This item has no publisher workspace to return it to; quarantine or revoke its versions instead.");
      const removed = await removeItemInTx(tx, deps, subject.id, note);
      return { ...none, events: removed.events, outcome: removed.result };
    }
    const plugin = await lockPlugin(tx, subject.id);
    if (!plugin) throw subjectNotFound(input.subject);
    const deactivated = await deactivatePluginInTx(tx, deps, plugin);
    return { ...none, events: deactivated.events, outcome: deactivated.result, pluginVersions: deactivated.versions };
  }
  const version = subject.versions.find((v) => v.version === input.version);
  if (!version) throw new ApiError(404, "version_not_found", `There is no version ${input.version}.`);
  let status = ACTION_STATUS[input.action];
  if (input.action === "release") {
    if (version.status !== "quarantined") throw new ApiError(409, "invalid_transition", `Version ${input.version} is ${version.status}; release lifts a quarantine.`);
    // What the quarantine interrupted (design.md §33).
    status = version.statusPrevious ?? "active";
  }
  const change = { version: input.version!, status: status!, message: note, replacementItemId: input.replacementItemId ?? null, requester: "admin" as const, auditDetails: { report_ids: reportIds } };
  const statusDeps = { db: deps.db, cache: deps.cache, actor: deps.actor, requestId: deps.requestId };
  const changed = subject.type === "item" ? await changeItemVersionInTx(tx, statusDeps, subject.id, change) : await changePluginVersionInTx(tx, statusDeps, subject.id, change);
  return { ...none, events: changed.events, fromStatus: version.status, toStatus: status!, outcome: changed.result };
}

/**
 * An admin's answer to the reports (and any appeal) on one subject and version (issue 29 item 2;
 * design.md §46). In one transaction: the action (see `applyAction`), one `moderation_actions` row
 * with the note, every open report on the subject and version closed with it (a version action also
 * closes the subject's reports that name no version; `remove` closes all of the subject's), the open
 * appeals on that version answered, one audit row `report.resolve`, then the events: the action's
 * own, one `report.resolved` per reporting workspace, and for an item with a publisher one
 * `moderation.action` (unless a dismiss answered no appeal). After the commit the catalog pages
 * (and a deactivated plugin's content) are invalidated.
 * @throws 400 `version_required` (a version action without `subject.version`); 400
 *   `validation_failed` (note blank, over 2,000 characters or with control characters); 404
 *   `item_not_found` / `plugin_not_found` / `version_not_found`; 409 `nothing_to_resolve` (a dismiss
 *   with no open report or appeal there); 409 `invalid_transition` (the current status forbids the action:
 *   nothing is resolved); 409 `no_publisher` (`remove` on an item without a publisher workspace);
 *   400 `message_required`, 403 `admin_required` as the status service raises them.
 */
export async function resolveReports(deps: ResolveDeps, request: ResolveInput) {
  // Ids as the database prints them: outbox readers compare strings.
  const input = { ...request, subject: { type: request.subject.type, id: request.subject.id.toLowerCase() } };
  if (VERSION_ACTIONS.includes(input.action) && input.version === null) {
    throw new ApiError(400, "version_required", `The action ${input.action} needs subject.version.`);
  }
  if (input.action === "remove" && input.version !== null) {
    throw new ApiError(400, "validation_failed", "remove acts on the whole item or plugin: leave subject.version out.", { errors: [{ path: "subject.version", message: "not allowed with remove" }] });
  }
  if (input.replacementItemId && input.action !== "deprecate" && input.action !== "yank") {
    throw new ApiError(400, "invalid_replacement", "A replacement item can only be named with deprecate or yank.");
  }
  const note = normalizedReportText(input.note, false);
  const refusal = note === null ? "must not be blank" : reportTextRefusal(note, false);
  if (refusal || note === null) throw new ApiError(400, "validation_failed", `note ${refusal}.`, { errors: [{ path: "note", message: refusal ?? "" }] });
  const ref = input.subject;
  let pluginVersions: PluginVersionRow[] = [];
  const result = await deps.db.transaction(async (tx) => {
    if (!(await lockSubjectRow(tx, ref))) throw subjectNotFound(ref);
    const subject = (await findSubject(tx, ref)) ?? (() => { throw subjectNotFound(ref); })();
    const openReports = await openReportsFor(tx, ref, input.version, { versionless: VERSION_ACTIONS.includes(input.action), allVersions: input.action === "remove" });
    const openAppeals = ref.type === "item" ? await openAppealsFor(tx, ref.id, input.action === "remove" ? null : input.version) : [];
    // Any other action stands on its own (an admin may act before anyone reports, e.g. release a
    // plugin quarantine, which has no appeal); a dismiss of nothing would only write noise.
    if (!openReports.length && !openAppeals.length && input.action === "dismiss") {
      throw new ApiError(409, "nothing_to_resolve", "There is no open report or appeal on this subject and version to dismiss.");
    }
    const reportIds = openReports.map((r) => r.id);
    const applied = await applyAction(tx, deps, subject, input, note, reportIds);
    const action = await insertModerationAction(tx, {
      subjectType: ref.type,
      itemId: ref.type === "item" ? ref.id : null,
      pluginId: ref.type === "plugin" ? ref.id : null,
      version: input.version,
      action: input.action,
      note,
      fromStatus: applied.fromStatus,
      toStatus: applied.toStatus,
      publisherWorkspaceId: subject.publisherWorkspaceId,
      reportsResolved: reportIds.length,
      ...deps.actor,
    });
    // One clock for the action and what it closed: the database's, as the action row took it.
    await closeReports(tx, reportIds, action.id, action.createdAt);
    await answerAppeals(tx, openAppeals.map((a) => a.id), action.id, action.createdAt);
    const subjectIds = ref.type === "item" ? { item_id: ref.id } : { plugin_id: ref.id };
    await insertAudit(tx, {
      ...deps.actor,
      action: "report.resolve",
      targetType: ref.type,
      targetId: ref.id,
      workspaceId: subject.publisherWorkspaceId,
      reason: note,
      details: { ...subjectIds, version: input.version, action: input.action, moderation_action_id: action.id, report_ids: reportIds, appeal_ids: openAppeals.map((a) => a.id) },
      requestId: deps.requestId,
    });
    const events: CatalogEvent[] = [...applied.events];
    const subjectEventIds = { itemId: ref.type === "item" ? ref.id : null, pluginId: ref.type === "plugin" ? ref.id : null };
    for (const workspaceId of [...new Set(openReports.map((r) => r.workspaceId))]) {
      events.push({
        type: "report.resolved",
        ...subjectEventIds,
        workspaceId,
        data: { subject_type: ref.type, ...subjectIds, version: input.version, action: input.action, report_ids: openReports.filter((r) => r.workspaceId === workspaceId).map((r) => r.id) },
      });
    }
    // The publisher hears of every resolve on its item, a dismissal included (design.md §46); never who reported.
    if (ref.type === "item" && subject.publisherWorkspaceId) {
      events.push({
        type: "moderation.action",
        itemId: ref.id,
        workspaceId: subject.publisherWorkspaceId,
        data: { item_id: ref.id, version: input.version, action: input.action, moderation_action_id: action.id, ...(openAppeals.length ? { appeal_id: openAppeals[0]!.id } : {}) },
      });
    }
    await appendEvents(tx, events);
    pluginVersions = applied.pluginVersions;
    return {
      moderation_action_id: action.id,
      subject_type: ref.type,
      ...subjectIds,
      version: input.version,
      action: input.action,
      note,
      from_status: applied.fromStatus,
      status: applied.toStatus,
      reports_resolved: reportIds.length,
      appeals_answered: openAppeals.length,
      created_at: action.createdAt.toISOString(),
    };
  });
  await invalidateCatalog(deps.cache);
  await invalidatePluginContent(deps.cache, pluginVersions);
  return result;
}
