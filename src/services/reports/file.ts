import type { Database } from "../../db/client";
import { uniqueViolationConstraint } from "../../db/errors";
import { appendEvents } from "../../db/queries/events";
import { insertAudit } from "../../db/queries/publishing";
import {
  dismissedReportsSince,
  findSubject,
  insertReport,
  lockReportsOfWorkspace,
  openReportBy,
  openReportCount,
  type SubjectRef,
} from "../../db/queries/reports";
import {
  dismissalCovers,
  DISMISS_COOLDOWN_DAYS,
  normalizedReportText,
  OPEN_REPORTS_PER_WORKSPACE,
  REPORT_LIMIT_RETRY_AFTER_S,
  reportTextRefusal,
  type ReportReason,
} from "../../domain/reports";
import { VISIBLE_STATUSES } from "../../domain/version-status";
import { ApiError } from "../../lib/errors";
import { actorOf, type Principal } from "../auth/principal";

export interface ReportDeps {
  db: Database;
  principal: Principal;
  requestId: string;
  now?: Date;
}

export interface ReportInput {
  reason: ReportReason;
  version?: string | null;
  details?: string | null;
}

/**
 * Who stands behind a report (design.md §45): the user, or for an API key the user who created it,
 * else the key itself. One open report per subject and version for each of these.
 */
export function reporterOf(principal: Principal): string {
  return principal.kind === "user" ? principal.user.id : (principal.key.createdByUserId ?? principal.key.id);
}

/** 404 for a subject that does not exist or that the caller may not see: `item_not_found` or `plugin_not_found`. */
export const subjectNotFound = (ref: SubjectRef) =>
  ref.type === "item" ? new ApiError(404, "item_not_found", "Marketplace item not found") : new ApiError(404, "plugin_not_found", "Plugin not found");

/**
 * Files a report on an item or plugin (issue 29 item 1; design.md §45) for the workspace the caller
 * acts in. It only queues the subject for the admins: a report never changes what anyone sees.
 * In one transaction, serialised per workspace: the checks below, the report row, one audit row
 * `report.file` and the admin-only `report.filed` event.
 * @returns `{id, status: "open", subject_type, item_id | plugin_id, version, reason, created_at}`.
 * @throws 400 `validation_failed` (`details` missing for `other`, too long or with control
 *   characters); 404 `item_not_found` / `plugin_not_found` (unknown, or not visible to the caller);
 *   404 `version_not_found` (a version the caller cannot see); 409 `report_exists` (an open report by
 *   this workspace or this person on the subject and version; `report_id` names it); 409
 *   `report_recently_dismissed` (this workspace's or person's report on it was dismissed less than
 *   30 days ago and the subject has not changed); 429 `report_limit` (20 open reports, Retry-After).
 */
export async function fileReport(deps: ReportDeps, workspaceId: string, target: SubjectRef, input: ReportInput) {
  // Ids as the database prints them: outbox readers compare strings (an upper-case UUID is the same id).
  const ref = { type: target.type, id: target.id.toLowerCase() };
  const details = normalizedReportText(input.details, true);
  if (details !== null) {
    const refusal = reportTextRefusal(details, true);
    if (refusal) throw new ApiError(400, "validation_failed", `details ${refusal}.`, { errors: [{ path: "details", message: refusal }] });
  }
  if (input.reason === "other" && details === null) {
    throw new ApiError(400, "validation_failed", "details is required when the reason is `other`.", { errors: [{ path: "details", message: "required for reason other" }] });
  }
  const version = input.version ?? null;
  const actor = actorOf(deps.principal);
  const who = { workspaceId, reporterUserId: reporterOf(deps.principal) };
  const now = deps.now ?? new Date();
  try {
    return await deps.db.transaction(async (tx) => {
      const subject = await findSubject(tx, ref);
      if (!subject || !subject.visible) throw subjectNotFound(ref);
      if (version !== null) {
        const seen = subject.versions.find((v) => v.version === version && v.reviewStatus === "approved" && VISIBLE_STATUSES.includes(v.status));
        if (!seen) throw new ApiError(404, "version_not_found", `There is no version ${version} you can report.`);
      }
      await lockReportsOfWorkspace(tx, workspaceId);
      const open = await openReportBy(tx, who, ref, version);
      if (open) throw reportExists(open.id);
      const since = new Date(now.getTime() - DISMISS_COOLDOWN_DAYS * 86_400_000);
      const dismissed = await dismissedReportsSince(tx, who, ref, since);
      if (dismissed.some((d) => dismissalCovers(d, { version, listedVersionNow: subject.listedVersion }))) {
        throw new ApiError(409, "report_recently_dismissed", `A report of yours on this ${ref.type === "item" ? "item" : "plugin"}${version ? ` version ${version}` : ""} was dismissed less than ${DISMISS_COOLDOWN_DAYS} days ago; report it again once it changes or after that.`);
      }
      if ((await openReportCount(tx, workspaceId)) >= OPEN_REPORTS_PER_WORKSPACE) {
        throw new ApiError(429, "report_limit", `This workspace already has ${OPEN_REPORTS_PER_WORKSPACE} open reports; more can be filed as they are resolved.`, {
          headers: { "Retry-After": String(REPORT_LIMIT_RETRY_AFTER_S) },
        });
      }
      const row = await insertReport(tx, { ref, version, listedVersion: subject.listedVersion, reason: input.reason, details, workspaceId, ...actor, reporterUserId: who.reporterUserId });
      await insertAudit(tx, {
        ...actor,
        action: "report.file",
        targetType: "report",
        targetId: row.id,
        workspaceId,
        reason: input.reason,
        details: { subject_type: ref.type, [ref.type === "item" ? "item_id" : "plugin_id"]: ref.id, version },
        requestId: deps.requestId,
      });
      await appendEvents(tx, [
        {
          type: "report.filed",
          itemId: ref.type === "item" ? ref.id : null,
          pluginId: ref.type === "plugin" ? ref.id : null,
          data: { report_id: row.id, subject_type: ref.type, [ref.type === "item" ? "item_id" : "plugin_id"]: ref.id, version, reason: input.reason },
        },
      ]);
      return {
        id: row.id,
        status: "open" as const,
        subject_type: ref.type,
        item_id: ref.type === "item" ? ref.id : null,
        plugin_id: ref.type === "plugin" ? ref.id : null,
        version,
        reason: input.reason,
        created_at: row.createdAt.toISOString(),
      };
    });
  } catch (error) {
    // Two requests raced past the check: the partial unique indexes decide (design.md §45).
    const constraint = uniqueViolationConstraint(error);
    if (constraint === "reports_open_workspace_key" || constraint === "reports_open_reporter_key" || constraint === "") {
      const open = await openReportBy(deps.db, who, ref, version);
      throw reportExists(open?.id ?? null);
    }
    throw error;
  }
}

function reportExists(reportId: string | null) {
  return new ApiError(409, "report_exists", "You already have an open report on this subject and version; it stays open until an admin resolves it.", { report_id: reportId });
}
