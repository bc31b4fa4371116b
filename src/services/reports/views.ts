import type { Queryable } from "../../db/client";
import { actionsAndAppeals, actionsOnItems, queueSubjects, reportQueue, reportsOfWorkspace, versionFacts, type QueueFilter } from "../../db/queries/reports";
import { PRIORITY_REASONS } from "../../domain/reports";

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/**
 * The caller workspace's own reports, newest first (issue 29 item 1): status and, once resolved, the
 * outcome (`action`, `note`, `resolved_at`). Never the moderator's identity, other reporters, or
 * other workspaces' reports.
 */
export async function listOwnReports(db: Queryable, workspaceId: string, page: { limit: number; offset: number }) {
  const { rows, total } = await reportsOfWorkspace(db, workspaceId, page);
  return {
    items: rows.map((r) => ({
      id: r.id,
      subject_type: r.subject_type,
      item_id: r.item_id,
      plugin_id: r.plugin_id,
      name: r.name,
      version: r.version,
      reason: r.reason,
      details: r.details,
      status: r.status,
      created_at: iso(r.created_at)!,
      outcome: r.status === "resolved" && r.action ? { action: r.action, note: r.note!, resolved_at: iso(r.resolved_at)! } : null,
    })),
    total,
    ...page,
  };
}

/**
 * One page of the admins' triage queue (issue 29 item 2; priority documented on `reportQueue`):
 * report groups with counts by reason, distinct reporters and workspaces, first and last report,
 * the subject's current status (the version's, else the listed version's) and scan verdict
 * (plugins: the version's newest scan); appeals with the action appealed and the publisher's message.
 */
export async function reportQueuePage(db: Queryable, filter: QueueFilter, page: { limit: number; offset: number }) {
  const { rows, total } = await reportQueue(db, filter, page, PRIORITY_REASONS);
  const itemIds = [...new Set(rows.flatMap((r) => (r.item_id ? [r.item_id] : [])))];
  const pluginIds = [...new Set(rows.flatMap((r) => (r.plugin_id ? [r.plugin_id] : [])))];
  const [subjects, facts, linked] = await Promise.all([
    queueSubjects(db, itemIds, pluginIds),
    versionFacts(db, itemIds, pluginIds),
    actionsAndAppeals(db, rows.flatMap((r) => (r.action_id ? [r.action_id] : [])), rows.flatMap((r) => (r.appeal_id ? [r.appeal_id] : []))),
  ]);
  const items = new Map(subjects.itemRows.map((i) => [i.id, i]));
  const plugins = new Map(subjects.pluginRows.map((p) => [p.id, p]));
  const actions = new Map(linked.actionRows.map((a) => [a.id, a]));
  const appeals = new Map(linked.appealRows.map((a) => [a.id, a]));
  return {
    items: rows.map((r) => {
      const subjectId = (r.item_id ?? r.plugin_id)!;
      const item = r.item_id ? items.get(r.item_id) : undefined;
      const plugin = r.plugin_id ? plugins.get(r.plugin_id) : undefined;
      const ofSubject = facts.filter((f) => f.subject_id === subjectId);
      const fact = r.version === null ? ofSubject.find((f) => f.listed) : ofSubject.find((f) => f.version === r.version);
      const action = r.action_id ? actions.get(r.action_id) : undefined;
      const appeal = r.appeal_id ? appeals.get(r.appeal_id) : undefined;
      return {
        kind: r.kind,
        subject: {
          type: r.subject_type,
          item_id: r.item_id,
          plugin_id: r.plugin_id,
          name: item?.name ?? plugin?.name ?? null,
          item_type: item ? item.type : "plugin",
          version: r.version,
          visible: item ? item.isApproved && item.removedAt === null : (plugin?.isActive ?? false),
          removed: item ? item.removedAt !== null : false,
          version_status: fact?.status ?? null,
          listed_version: ofSubject.find((f) => f.listed)?.version ?? null,
          scan_verdict: fact?.verdict ?? null,
        },
        priority_tier: r.tier,
        report_count: r.report_count,
        reporters: r.reporters,
        workspaces: r.workspaces,
        reasons: r.reasons ?? {},
        first_reported_at: r.kind === "reports" ? iso(r.first_at) : null,
        last_reported_at: r.kind === "reports" ? iso(r.last_at) : null,
        resolution: action && r.kind === "reports" ? { moderation_action_id: action.id, action: action.action, note: action.note, resolved_at: iso(action.createdAt)! } : null,
        appeal: appeal && action
          ? { id: r.appeal_id!, moderation_action_id: action.id, action: action.action, note: action.note, message: appeal.message, status: appeal.status, filed_at: iso(r.first_at)! }
          : null,
      };
    }),
    total,
    ...page,
  };
}

/** The moderation actions on a publisher's items, grouped by item id (issue 29 item 3; see `actionsOnItems`). */
export async function publisherActions(db: Queryable, publisherWorkspaceId: string, itemIds: string[]) {
  const rows = await actionsOnItems(db, publisherWorkspaceId, itemIds);
  const byItem = new Map<string, ReturnType<typeof shapeAction>[]>();
  for (const r of rows) {
    const list = byItem.get(r.item_id) ?? [];
    list.push(shapeAction(r));
    byItem.set(r.item_id, list);
  }
  return byItem;
}

function shapeAction(r: Awaited<ReturnType<typeof actionsOnItems>>[number]) {
  return {
    id: r.id,
    version: r.version,
    action: r.action,
    note: r.note,
    from_status: r.from_status,
    to_status: r.to_status,
    created_at: iso(r.created_at)!,
    appeal: r.appeal_id
      ? {
          id: r.appeal_id,
          status: r.appeal_status!,
          message: r.appeal_message!,
          filed_at: iso(r.appeal_created_at)!,
          answer: r.answer_action ? { action: r.answer_action, note: r.answer_note!, answered_at: iso(r.answered_at)! } : null,
        }
      : null,
  };
}

export type PublisherAction = ReturnType<typeof shapeAction>;
