import { and, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { rowsOf, type Queryable } from "../client";
import { appeals, items, itemVersions, marketplacePlugins, moderationActions, pluginVersions, reports } from "../schema";
import type { ModerationAction, ReportReason, ReportSubjectType } from "../../domain/reports";
import { isVisible } from "../../domain/releases";
import type { ReviewStatus, VersionStatus } from "../../domain/version-status";

/** A reported subject: an item or a plugin, by id. */
export interface SubjectRef {
  type: ReportSubjectType;
  id: string;
}

/** What the report and resolve services need to know of a subject (never shown as such). */
export interface SubjectRow {
  type: ReportSubjectType;
  id: string;
  name: string;
  /** The item type, or "plugin". */
  kind: string;
  publisherWorkspaceId: string | null;
  /** Visible to non-admins (design.md §34): what a reporter may report. */
  visible: boolean;
  listedVersion: string | null;
  versions: Array<{ version: string; reviewStatus: string; status: VersionStatus; statusPrevious: VersionStatus | null }>;
}

const subjectIdOf = (ref: SubjectRef) => (ref.type === "item" ? { itemId: ref.id, pluginId: null } : { itemId: null, pluginId: ref.id });
const subjectColumn = (ref: SubjectRef) => (ref.type === "item" ? reports.itemId : reports.pluginId);

/** A marketplace item (listed, hidden or removed; never a workspace's own unpublished item) or a plugin, with its versions; undefined when there is none. */
export async function findSubject(db: Queryable, ref: SubjectRef): Promise<SubjectRow | undefined> {
  if (ref.type === "item") {
    const [item] = await db
      .select({ id: items.id, name: items.name, type: items.type, publisherWorkspaceId: items.publisherWorkspaceId, isApproved: items.isApproved, latestVersionId: items.latestVersionId, removedAt: items.removedAt })
      .from(items)
      // A removed item stays a subject (its reports can still be dismissed), never visible.
      .where(and(eq(items.id, ref.id), sql`(${items.ownerType} = 'marketplace' or ${items.removedAt} is not null)`));
    if (!item) return undefined;
    const versions = await db
      .select({ id: itemVersions.id, version: itemVersions.version, reviewStatus: itemVersions.reviewStatus, status: itemVersions.status, statusPrevious: itemVersions.statusPrevious })
      .from(itemVersions)
      .where(eq(itemVersions.itemId, ref.id));
    return {
      type: "item",
      id: item.id,
      name: item.name,
      kind: item.type,
      publisherWorkspaceId: item.publisherWorkspaceId,
      visible: item.isApproved && item.removedAt === null,
      listedVersion: versions.find((v) => v.id === item.latestVersionId)?.version ?? null,
      versions,
    };
  }
  const [plugin] = await db
    .select({ id: marketplacePlugins.id, name: marketplacePlugins.name, isActive: marketplacePlugins.isActive, latestVersionId: marketplacePlugins.latestVersionId })
    .from(marketplacePlugins)
    .where(eq(marketplacePlugins.id, ref.id));
  if (!plugin) return undefined;
  const versions = await db
    .select({ id: pluginVersions.id, version: pluginVersions.version, reviewStatus: pluginVersions.approvalStatus, status: pluginVersions.status, statusPrevious: pluginVersions.statusPrevious })
    .from(pluginVersions)
    .where(eq(pluginVersions.pluginId, ref.id));
  return {
    type: "plugin",
    id: plugin.id,
    name: plugin.name,
    kind: "plugin",
    publisherWorkspaceId: null,
    // plugin_versions.approval_status holds the review statuses (its CHECK), typed as text by the schema.
    visible: plugin.isActive && isVisible(versions as Array<(typeof versions)[number] & { reviewStatus: ReviewStatus }>),
    listedVersion: versions.find((v) => v.id === plugin.latestVersionId)?.version ?? null,
    versions,
  };
}

/**
 * Serialises the report writes of one workspace until the commit, so its open-report count and the
 * 30-day dismissal check cannot be raced past by parallel requests (the unique indexes alone cannot
 * count).
 */
export async function lockReportsOfWorkspace(tx: Queryable, workspaceId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('reports'), hashtext(${workspaceId}::text))`);
}

export async function openReportCount(db: Queryable, workspaceId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(reports)
    .where(and(eq(reports.workspaceId, workspaceId), eq(reports.status, "open")));
  return row?.n ?? 0;
}

/** The same subject and version (null: the subject as a whole), as the unique indexes compare them. */
const sameTarget = (ref: SubjectRef, version: string | null) =>
  and(eq(subjectColumn(ref), ref.id), sql`coalesce(${reports.version}, '') = ${version ?? ""}`);

/** The open report on this subject and version by this workspace or this reporter, if any (design.md §45). */
export async function openReportBy(db: Queryable, who: { workspaceId: string; reporterUserId: string }, ref: SubjectRef, version: string | null) {
  const [row] = await db
    .select({ id: reports.id })
    .from(reports)
    .where(and(sameTarget(ref, version), eq(reports.status, "open"), sql`(${reports.workspaceId} = ${who.workspaceId} or ${reports.reporterUserId} = ${who.reporterUserId})`))
    .limit(1);
  return row;
}

/**
 * The reports on this subject (any version) by this workspace or reporter that a `dismiss` resolved
 * since `since`, newest first (at most 50), each with the version it named and the listed version it
 * was filed against (design.md §45; `dismissalCovers` decides which of them refuse a new report).
 */
export async function dismissedReportsSince(db: Queryable, who: { workspaceId: string; reporterUserId: string }, ref: SubjectRef, since: Date) {
  return db
    .select({ id: reports.id, version: reports.version, listedVersion: reports.listedVersion })
    .from(reports)
    .innerJoin(moderationActions, eq(moderationActions.id, reports.actionId))
    .where(
      and(
        eq(subjectColumn(ref), ref.id),
        eq(moderationActions.action, "dismiss"),
        sql`${reports.resolvedAt} >= ${since.toISOString()}::timestamptz`,
        sql`(${reports.workspaceId} = ${who.workspaceId} or ${reports.reporterUserId} = ${who.reporterUserId})`,
      ),
    )
    .orderBy(desc(reports.resolvedAt))
    .limit(50);
}

export async function insertReport(
  tx: Queryable,
  values: { ref: SubjectRef; version: string | null; listedVersion: string | null; reason: ReportReason; details: string | null; workspaceId: string; actorType: "user" | "api_key"; actorId: string; reporterUserId: string },
) {
  const [row] = await tx
    .insert(reports)
    .values({
      subjectType: values.ref.type,
      ...subjectIdOf(values.ref),
      version: values.version,
      listedVersion: values.listedVersion,
      reason: values.reason,
      details: values.details,
      workspaceId: values.workspaceId,
      actorType: values.actorType,
      actorId: values.actorId,
      reporterUserId: values.reporterUserId,
    })
    .returning({ id: reports.id, createdAt: reports.createdAt });
  return row!;
}

/** One report as its workspace sees it: the outcome's action and note once resolved; never the moderator or other reporters. */
export interface OwnReportRow {
  id: string;
  subject_type: ReportSubjectType;
  item_id: string | null;
  plugin_id: string | null;
  name: string | null;
  version: string | null;
  reason: ReportReason;
  details: string | null;
  status: "open" | "resolved";
  created_at: Date;
  resolved_at: Date | null;
  action: ModerationAction | null;
  note: string | null;
}

/** A workspace's reports, newest first. */
export async function reportsOfWorkspace(db: Queryable, workspaceId: string, page: { limit: number; offset: number }) {
  const [rows, total] = await Promise.all([
    rowsOf<OwnReportRow>(
      db,
      sql`select r.id, r.subject_type, r.item_id, r.plugin_id, coalesce(i.name, p.name) as name, r.version, r.reason, r.details,
                 r.status, r.created_at, r.resolved_at, a.action, a.note
          from reports r
          left join items i on i.id = r.item_id
          left join marketplace_plugins p on p.id = r.plugin_id
          left join moderation_actions a on a.id = r.action_id
          where r.workspace_id = ${workspaceId}
          order by r.created_at desc, r.id desc
          limit ${page.limit} offset ${page.offset}`,
    ),
    db.select({ n: sql<number>`count(*)::int` }).from(reports).where(eq(reports.workspaceId, workspaceId)),
  ]);
  return { rows, total: total[0]?.n ?? 0 };
}

/** The queue's filters (issue 29 item 2). `type`: an item type or `plugin`. */
export interface QueueFilter {
  status: "open" | "resolved";
  reason?: ReportReason;
  type?: string;
}

/** One queue entry before its details: a group of reports on one subject and version, or one appeal. */
export interface QueueKeyRow {
  kind: "reports" | "appeal";
  subject_type: ReportSubjectType;
  item_id: string | null;
  plugin_id: string | null;
  version: string | null;
  action_id: string | null;
  appeal_id: string | null;
  tier: number;
  reporters: number;
  workspaces: number;
  report_count: number;
  first_at: Date;
  last_at: Date;
  reasons: Record<string, number> | null;
}

/**
 * The triage queue, one page (issue 29 item 2; design.md §45): open (or resolved) reports grouped by
 * subject and version (resolved ones also by the resolve that closed them), and appeals, in this
 * priority: tier 0, groups with a `malware` or `credential_theft` report; tier 1, appeals (a
 * publisher waits for an answer); tier 2, every other group; within a tier, more distinct reporters
 * first, then the oldest first report. A `reason` filter keeps groups holding such a report and
 * leaves out appeals.
 */
export async function reportQueue(db: Queryable, filter: QueueFilter, page: { limit: number; offset: number }, priorityReasons: readonly string[]) {
  const typeOf = sql`coalesce((select i.type from items i where i.id = r.item_id), 'plugin')`;
  const reportWhere: SQL[] = [sql`r.status = ${filter.status}`];
  if (filter.type) reportWhere.push(sql`${typeOf} = ${filter.type}`);
  const groupKey = filter.status === "open" ? sql`r.subject_type, r.item_id, r.plugin_id, r.version` : sql`r.subject_type, r.item_id, r.plugin_id, r.version, r.action_id`;
  const priority = sql.join(priorityReasons.map((p) => sql`${p}`), sql`, `);
  const groups = sql`
    select 'reports' as kind, r.subject_type, r.item_id, r.plugin_id, r.version,
           ${filter.status === "open" ? sql`null::uuid` : sql`r.action_id`} as action_id, null::uuid as appeal_id,
           case when bool_or(r.reason in (${priority})) then 0 else 2 end as tier,
           count(distinct r.reporter_user_id)::int as reporters, count(distinct r.workspace_id)::int as workspaces,
           count(*)::int as report_count, min(r.created_at) as first_at, max(r.created_at) as last_at,
           (select jsonb_object_agg(x.reason, x.n) from (
              select r2.reason, count(*)::int as n from reports r2
              where r2.status = ${filter.status} and r2.subject_type = r.subject_type
                and coalesce(r2.item_id, r2.plugin_id) = coalesce(r.item_id, r.plugin_id)
                and coalesce(r2.version, '') = coalesce(r.version, '')
                ${filter.status === "open" ? sql`` : sql`and r2.action_id is not distinct from r.action_id`}
              group by r2.reason) x) as reasons
    from reports r
    where ${sql.join(reportWhere, sql` and `)}
    group by ${groupKey}
    ${filter.reason ? sql`having bool_or(r.reason = ${filter.reason})` : sql``}`;
  const appealWhere: SQL[] = [sql`ap.status = ${filter.status === "open" ? "open" : "answered"}`];
  if (filter.type) appealWhere.push(sql`(select i.type from items i where i.id = ap.item_id) = ${filter.type}`);
  const appealRows = sql`
    select 'appeal' as kind, 'item' as subject_type, ap.item_id, null::uuid as plugin_id, ap.version, ap.action_id, ap.id as appeal_id,
           1 as tier, 0 as reporters, 0 as workspaces, 0 as report_count, ap.created_at as first_at, ap.created_at as last_at, null::jsonb as reasons
    from appeals ap where ${sql.join(appealWhere, sql` and `)}`;
  const union = filter.reason ? groups : sql`${groups} union all ${appealRows}`;
  const [rows, total] = await Promise.all([
    rowsOf<QueueKeyRow>(db, sql`select * from (${union}) q order by q.tier, q.reporters desc, q.first_at, q.item_id, q.plugin_id, q.version limit ${page.limit} offset ${page.offset}`),
    rowsOf<{ n: number }>(db, sql`select count(*)::int as n from (${union}) q`),
  ]);
  return { rows, total: total[0]?.n ?? 0 };
}

/** The subjects of a queue page, by id: name, type, publisher and listed version (admins see everything). */
export async function queueSubjects(db: Queryable, itemIds: string[], pluginIds: string[]) {
  const [itemRows, pluginRows] = await Promise.all([
    itemIds.length
      ? db.select({ id: items.id, name: items.name, type: items.type, isApproved: items.isApproved, removedAt: items.removedAt }).from(items).where(inArray(items.id, itemIds))
      : Promise.resolve([]),
    pluginIds.length
      ? db.select({ id: marketplacePlugins.id, name: marketplacePlugins.name, isActive: marketplacePlugins.isActive }).from(marketplacePlugins).where(inArray(marketplacePlugins.id, pluginIds))
      : Promise.resolve([]),
  ]);
  return { itemRows, pluginRows };
}

/** Statuses of the named versions (and, for plugins, each version's newest scan verdict: its current verdict, design.md §44). */
export async function versionFacts(db: Queryable, itemIds: string[], pluginIds: string[]) {
  const [itemRows, pluginRows] = await Promise.all([
    itemIds.length
      ? rowsOf<{ subject_id: string; version: string; status: VersionStatus; listed: boolean }>(
          db,
          sql`select v.item_id as subject_id, v.version, v.status, (i.latest_version_id = v.id) as listed
              from item_versions v join items i on i.id = v.item_id
              where v.item_id in (${sql.join(itemIds.map((id) => sql`${id}::uuid`), sql`, `)}) and v.review_status = 'approved'`,
        )
      : Promise.resolve([]),
    pluginIds.length
      ? rowsOf<{ subject_id: string; version: string; status: VersionStatus; listed: boolean; verdict: string | null }>(
          db,
          sql`select v.plugin_id as subject_id, v.version, v.status, (p.latest_version_id = v.id) as listed,
                     (select s.overall_verdict from plugin_security_scans s where s.plugin_version_id = v.id order by s.scanned_at desc, s.id desc limit 1) as verdict
              from plugin_versions v join marketplace_plugins p on p.id = v.plugin_id
              where v.plugin_id in (${sql.join(pluginIds.map((id) => sql`${id}::uuid`), sql`, `)}) and v.approval_status = 'approved'`,
        )
      : Promise.resolve([]),
  ]);
  return [...itemRows.map((r) => ({ ...r, verdict: null as string | null })), ...pluginRows];
}

/** Moderation actions and appeals by id, for the queue page (action, note, appeal message). */
export async function actionsAndAppeals(db: Queryable, actionIds: string[], appealIds: string[]) {
  const [actionRows, appealRows] = await Promise.all([
    actionIds.length
      ? db.select({ id: moderationActions.id, action: moderationActions.action, note: moderationActions.note, createdAt: moderationActions.createdAt }).from(moderationActions).where(inArray(moderationActions.id, actionIds))
      : Promise.resolve([]),
    appealIds.length
      ? rowsOf<{ id: string; message: string; status: "open" | "answered"; answer_action: ModerationAction | null; answer_note: string | null; answered_at: Date | null }>(
          db,
          sql`select ap.id, ap.message, ap.status, ans.action as answer_action, ans.note as answer_note, ap.answered_at
              from appeals ap left join moderation_actions ans on ans.id = ap.answer_action_id
              where ap.id in (${sql.join(appealIds.map((id) => sql`${id}::uuid`), sql`, `)})`,
        )
      : Promise.resolve([]),
  ]);
  return { actionRows, appealRows };
}

/**
 * The open reports a resolve closes (design.md §46), locked: those on exactly this version; with
 * `versionless`, also those that name no version; with `allVersions` (a `remove`), every open
 * report on the subject.
 */
export async function openReportsFor(tx: Queryable, ref: SubjectRef, version: string | null, scope: { versionless: boolean; allVersions: boolean }) {
  const match = scope.allVersions
    ? sql`true`
    : scope.versionless && version !== null
      ? sql`(${reports.version} = ${version} or ${reports.version} is null)`
      : sql`coalesce(${reports.version}, '') = ${version ?? ""}`;
  return tx
    .select({ id: reports.id, workspaceId: reports.workspaceId })
    .from(reports)
    .where(and(eq(subjectColumn(ref), ref.id), eq(reports.status, "open"), match))
    .orderBy(reports.id)
    .for("update");
}

export async function closeReports(tx: Queryable, ids: string[], actionId: string, now: Date): Promise<void> {
  if (!ids.length) return;
  await tx.update(reports).set({ status: "resolved", actionId, resolvedAt: now }).where(inArray(reports.id, ids));
}

/** Open appeals on an item version (or, for a `remove`, on any version), locked. */
export async function openAppealsFor(tx: Queryable, itemId: string, version: string | null) {
  return tx
    .select({ id: appeals.id, workspaceId: appeals.workspaceId })
    .from(appeals)
    .where(and(eq(appeals.itemId, itemId), eq(appeals.status, "open"), version === null ? sql`true` : eq(appeals.version, version)))
    .orderBy(appeals.id)
    .for("update");
}

export async function answerAppeals(tx: Queryable, ids: string[], actionId: string, now: Date): Promise<void> {
  if (!ids.length) return;
  await tx.update(appeals).set({ status: "answered", answerActionId: actionId, answeredAt: now }).where(inArray(appeals.id, ids));
}

export async function insertModerationAction(tx: Queryable, values: typeof moderationActions.$inferInsert) {
  const [row] = await tx.insert(moderationActions).values(values).returning({ id: moderationActions.id, createdAt: moderationActions.createdAt });
  return row!;
}

/**
 * The newest moderation action that took something (not a dismiss) on an item version or on the
 * item as a whole (a `remove`), with its appeal if one was filed.
 */
export async function latestActionOn(db: Queryable, itemId: string, version: string) {
  const [row] = await db
    .select({ id: moderationActions.id, action: moderationActions.action, appealId: appeals.id })
    .from(moderationActions)
    .leftJoin(appeals, eq(appeals.actionId, moderationActions.id))
    .where(and(eq(moderationActions.itemId, itemId), sql`(${moderationActions.version} = ${version} or ${moderationActions.version} is null)`, sql`${moderationActions.action} <> 'dismiss'`))
    .orderBy(desc(moderationActions.createdAt), desc(moderationActions.id))
    .limit(1);
  return row;
}

export async function insertAppeal(tx: Queryable, values: typeof appeals.$inferInsert) {
  const [row] = await tx.insert(appeals).values(values).returning({ id: appeals.id, createdAt: appeals.createdAt });
  return row!;
}

/** One moderation action as its publisher sees it: action, note, time, and the appeal with its answer. */
export interface PublisherActionRow {
  id: string;
  item_id: string;
  version: string | null;
  action: ModerationAction;
  note: string;
  from_status: VersionStatus | null;
  to_status: VersionStatus | null;
  created_at: Date;
  appeal_id: string | null;
  appeal_status: "open" | "answered" | null;
  appeal_message: string | null;
  appeal_created_at: Date | null;
  answer_action: ModerationAction | null;
  answer_note: string | null;
  answered_at: Date | null;
}

/**
 * The moderation actions on the items a workspace published (issue 29 item 3; design.md §46: the
 * publisher hears of every resolve, a dismissal included), newest first. Only `itemIds` of that
 * workspace's items are ever passed.
 */
export async function actionsOnItems(db: Queryable, publisherWorkspaceId: string, itemIds: string[]) {
  if (!itemIds.length) return [];
  return rowsOf<PublisherActionRow>(
    db,
    sql`select a.id, a.item_id, a.version, a.action, a.note, a.from_status, a.to_status, a.created_at,
               ap.id as appeal_id, ap.status as appeal_status, ap.message as appeal_message, ap.created_at as appeal_created_at,
               ans.action as answer_action, ans.note as answer_note, ap.answered_at
        from moderation_actions a
        left join appeals ap on ap.action_id = a.id
        left join moderation_actions ans on ans.id = ap.answer_action_id
        where a.item_id in (${sql.join(itemIds.map((id) => sql`${id}::uuid`), sql`, `)})
          and a.publisher_workspace_id = ${publisherWorkspaceId}
        order by a.created_at desc, a.id desc`,
  );
}

/**
 * Locks the subject's row (item or plugin) before its reports, so resolves of one subject queue up
 * behind each other and take their locks in the same order as the status service (subject first).
 */
export async function lockSubjectRow(tx: Queryable, ref: SubjectRef): Promise<boolean> {
  const rows =
    ref.type === "item"
      ? await tx.select({ id: items.id }).from(items).where(eq(items.id, ref.id)).for("update")
      : await tx.select({ id: marketplacePlugins.id }).from(marketplacePlugins).where(eq(marketplacePlugins.id, ref.id)).for("update");
  return rows.length > 0;
}

/** One report of a queue group as admins read it: reason, details and time (issue 29 item 2). */
export interface GroupReportRow {
  id: string;
  subject_id: string;
  version: string | null;
  action_id: string | null;
  reason: ReportReason;
  details: string | null;
  workspace_id: string;
  created_at: Date;
}

/**
 * The reports of the queue page's groups (at most `perGroup` newest of each), for the admins: the
 * details a reporter wrote are read here and nowhere else.
 */
export async function reportsOfGroups(db: Queryable, status: "open" | "resolved", groups: Array<{ subjectId: string; version: string | null; actionId: string | null }>, perGroup: number) {
  if (!groups.length) return [];
  // Open groups are keyed by subject and version; resolved ones also by the resolve that closed them.
  const keys = sql.join(
    groups.map((g) => (status === "open" ? sql`(${g.subjectId}::uuid, ${g.version ?? ""}::text)` : sql`(${g.subjectId}::uuid, ${g.version ?? ""}::text, ${g.actionId}::uuid)`)),
    sql`, `,
  );
  return rowsOf<GroupReportRow>(
    db,
    sql`select * from (
          select r.id, coalesce(r.item_id, r.plugin_id) as subject_id, r.version, r.action_id, r.reason, r.details, r.workspace_id, r.created_at,
                 row_number() over (partition by coalesce(r.item_id, r.plugin_id), coalesce(r.version, ''), r.action_id order by r.created_at desc, r.id desc) as n
          from reports r
          where r.status = ${status}
            and ${status === "open" ? sql`(coalesce(r.item_id, r.plugin_id), coalesce(r.version, ''))` : sql`(coalesce(r.item_id, r.plugin_id), coalesce(r.version, ''), r.action_id)`} in (${keys})
        ) x where x.n <= ${perGroup} order by x.created_at desc, x.id desc`,
  );
}
