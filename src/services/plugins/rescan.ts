import type { Cache } from "../../clients/cache";
import type { Database } from "../../db/client";
import { releaseJobLease, readJobState, resetJobState, saveJobCursor, takeJobLease } from "../../db/queries/job-state";
import { insertPluginScan } from "../../db/queries/plugins";
import { claimStaleVersion, countStaleVersions, staleVersionIds, type RescanVersion } from "../../db/queries/rescan";
import { canonicalPermissions } from "../../domain/permissions";
import { scanBundleFailClosed, type Finding } from "../../domain/plugin-scan";
import { SCANNER_ENGINE_VERSION, type ScanTrigger } from "../../domain/scan-engine";
import { cleanText } from "../../domain/text";
import { STATUS_MESSAGE_MAX, type VersionStatus } from "../../domain/version-status";
import { ApiError } from "../../lib/errors";
import type { Logger } from "../../lib/logger";
import type { SystemActor } from "../auth/principal";
import { changePluginVersionStatus } from "../version-status";
import { readBundleForRescan } from "./rescan-bundle";

/**
 * The background rescan (issue 28 item 4; design.md §25, §41, §44). When the scanner's engine
 * version changes, every approved plugin version whose newest scan row is by another engine (or
 * that has none) is scanned again, in bounded batches run by the Cron Trigger and by the `jobs`
 * queue. A new critical finding (verdict `blocked`) quarantines the version through the one status
 * service, as `system`, with the finding as the reason: that writes the audit row and the
 * `version.quarantined` event, bumps the takedown generation (assembled contexts and content drop
 * it) and takes the skills materialised from it along (design.md §36). Every other outcome only
 * adds the scan row. Progress lives in `job_state('rescan')`.
 *
 * Idempotent by construction: a version with a scan by the current engine is never picked again,
 * so a batch run twice, or by two runners, does each version's work once. The lease keeps a second
 * runner out; the row claim (`FOR UPDATE SKIP LOCKED`) keeps two claimants off one version anyway.
 */

export const RESCAN_JOB = "rescan";
/** Most versions one batch handles (design.md §41). */
export const RESCAN_BATCH_SIZE = 200;
/** A batch starts no new version after this many milliseconds (design.md §41). */
export const RESCAN_TIME_BUDGET_MS = 20_000;
/** How long a batch's lease lasts: well past its time budget, short enough that a crashed runner's lease soon expires. */
export const RESCAN_LEASE_MS = 120_000;
/** When the lease is held or storage failed, the queue's next batch waits this long. */
export const RESCAN_RETRY_DELAY_S = 30;
/**
 * How many batches may die (CPU or memory limit, a killed isolate) while scanning one version
 * before it is set aside: the next batch records it as `scan_aborted` for review and goes on, so
 * one bundle can never stall the rescan of every version after it.
 */
export const RESCAN_MAX_ATTEMPTS = 2;

/** Statuses a rescan takes down; a quarantined or revoked version only gets the new scan row. */
const QUARANTINABLE: readonly VersionStatus[] = ["active", "deprecated", "yanked"];
const SYSTEM: SystemActor = { actorType: "system", actorId: null };

/** The progress kept in `job_state('rescan').cursor`; one run (pass) goes from the first stale version to the last. */
export interface RescanProgress {
  /** Changes with every new run, so a batch that outlives an admin's restart does not overwrite it. */
  run_id: string | null;
  /** `rescan` (the Cron Trigger or a queue message) or `manual` (an admin's POST): what the run's scan rows say. */
  trigger: Exclude<ScanTrigger, "upload"> | null;
  /** The last version id handled in this run: the next batch starts after it. */
  after: string | null;
  started_at: string | null;
  /** Set when the run found nothing more to do; null while it is under way. */
  finished_at: string | null;
  /** Versions scanned in this run (quarantined ones included). */
  scanned: number;
  /** Versions this run quarantined. */
  quarantined: number;
  /** Versions that could not be scanned: bundle files missing or a scan that never finished (a `review_required` row says so), or an error (retried by the next run). */
  failed: number;
  /**
   * The version a batch is scanning, written before its scan starts and cleared after: still set
   * when a batch begins, the batch before died on it (`attempts` times).
   */
  in_flight: { id: string; attempts: number } | null;
}

const EMPTY: RescanProgress = { run_id: null, trigger: null, after: null, started_at: null, finished_at: null, scanned: 0, quarantined: 0, failed: 0, in_flight: null };

function progressOf(cursor: Record<string, unknown> | undefined): RescanProgress {
  const c = (cursor ?? {}) as Partial<RescanProgress>;
  const count = (n: unknown) => (typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : 0);
  const text = (s: unknown) => (typeof s === "string" ? s : null);
  return {
    run_id: text(c.run_id),
    trigger: c.trigger === "rescan" || c.trigger === "manual" ? c.trigger : null,
    after: text(c.after),
    started_at: text(c.started_at),
    finished_at: text(c.finished_at),
    scanned: count(c.scanned),
    quarantined: count(c.quarantined),
    failed: count(c.failed),
    in_flight: c.in_flight && typeof c.in_flight.id === "string" ? { id: c.in_flight.id, attempts: count(c.in_flight.attempts) } : null,
  };
}

const newRun = (now: Date, trigger: "rescan" | "manual"): RescanProgress => ({
  ...EMPTY,
  run_id: crypto.randomUUID(),
  trigger,
  started_at: now.toISOString(),
});

export interface RescanDeps {
  db: Database;
  cache: Cache;
  bucket: R2Bucket;
  logger: Logger;
}

export interface RescanOptions {
  /** The run's clock: the scheduled event's `scheduledTime`, or the request's time. Lease and progress times derive from it. */
  now: Date;
  /** What a run started by this batch is recorded as; a batch continuing a run keeps the run's trigger. */
  trigger: "rescan" | "manual";
  /** Default RESCAN_BATCH_SIZE (tests pass a small one). */
  batchSize?: number;
  /** Default RESCAN_TIME_BUDGET_MS; at least one version is handled whatever the budget. */
  timeBudgetMs?: number;
}

/**
 * How a batch ended: `busy` (another runner holds the lease; nothing done), `idle` (no run under
 * way and nothing stale), `done` (the run finished), `limit` (batch size reached), `time` (time
 * budget spent) or `storage_unavailable` (R2 failed: the batch stopped before that version, which
 * the next batch retries).
 */
export type RescanStop = "busy" | "idle" | "done" | "limit" | "time" | "storage_unavailable";

export interface RescanBatchResult {
  stopped: RescanStop;
  /** Whether another batch has work to do (the queue consumer then sends the next message). */
  more: boolean;
  /** Versions this batch scanned, quarantined and failed (also added to the run's progress). */
  scanned: number;
  quarantined: number;
  failed: number;
  progress: RescanProgress;
}

type Outcome = "skipped" | "scanned" | "quarantined" | "unreadable" | "failed" | "storage_unavailable";

/**
 * One bounded batch of the rescan (design.md §41): takes the lease of `job_state('rescan')` (none
 * free: returns `busy` at once), starts a run if none is under way and something is stale, then
 * handles stale versions after the run's cursor, in id order, until `batchSize` versions, the time
 * budget, the end of the stale versions (the run is finished) or a storage failure; saves the
 * progress and releases the lease. A version's error other than storage is logged and counted as
 * failed; the run goes on past it and the next run retries it.
 * @throws only when the database fails outside a version's own work (lease, listing).
 */
export async function rescanBatch(deps: RescanDeps, opts: RescanOptions): Promise<RescanBatchResult> {
  const batchSize = opts.batchSize ?? RESCAN_BATCH_SIZE;
  const budget = opts.timeBudgetMs ?? RESCAN_TIME_BUDGET_MS;
  const clockStart = Date.now();
  const until = new Date(opts.now.getTime() + RESCAN_LEASE_MS);
  const stored = await takeJobLease(deps.db, RESCAN_JOB, opts.now, until);
  const counts = { scanned: 0, quarantined: 0, failed: 0 };
  if (!stored) return { stopped: "busy", more: true, ...counts, progress: progressOf((await readJobState(deps.db, RESCAN_JOB))?.cursor) };

  const before = progressOf(stored);
  let progress: RescanProgress = { ...before };
  // The run id the stored cursor carries: saves and the release only write while it is unchanged
  // (an admin's restart in between wins).
  let storedRunId = before.run_id;
  let stopped: RescanStop | undefined;
  try {
    const running = progress.started_at !== null && progress.finished_at === null;
    // A batch died scanning this version (its lease expired without a release): after
    // RESCAN_MAX_ATTEMPTS deaths it is set aside for review instead of stalling the run.
    const died = running ? progress.in_flight : null;
    if (died && died.attempts >= RESCAN_MAX_ATTEMPTS) {
      if (await setAsideVersion(deps, died, progress.trigger ?? opts.trigger)) counts.failed++;
      progress.in_flight = null;
    }
    const ids = await staleVersionIds(deps.db, SCANNER_ENGINE_VERSION, { after: running ? progress.after : null, limit: batchSize });
    if (!running && !ids.length) stopped = "idle";
    else {
      if (!running) progress = newRun(opts.now, opts.trigger);
      for (const id of ids) {
        if (counts.scanned + counts.failed > 0 && Date.now() - clockStart >= budget) {
          stopped = "time";
          break;
        }
        // Saved before the scan (with the run's progress so far): a batch that dies scanning it leaves this behind.
        const attempts = (progress.in_flight?.id === id ? progress.in_flight.attempts : 0) + 1;
        const marked = { ...progress, in_flight: { id, attempts }, scanned: progress.scanned + counts.scanned, quarantined: progress.quarantined + counts.quarantined, failed: progress.failed + counts.failed };
        if (await saveJobCursor(deps.db, RESCAN_JOB, { until, runId: storedRunId }, { ...marked })) storedRunId = progress.run_id;
        progress.in_flight = null;
        const outcome = await rescanVersion(deps, id, progress.trigger ?? opts.trigger);
        if (outcome === "storage_unavailable") {
          stopped = "storage_unavailable";
          break;
        }
        if (outcome === "scanned" || outcome === "quarantined") counts.scanned++;
        if (outcome === "quarantined") counts.quarantined++;
        if (outcome === "unreadable" || outcome === "failed") counts.failed++;
        progress.after = id;
      }
      stopped ??= ids.length < batchSize ? "done" : "limit";
      progress = { ...progress, scanned: progress.scanned + counts.scanned, quarantined: progress.quarantined + counts.quarantined, failed: progress.failed + counts.failed };
      if (stopped === "done") progress = { ...progress, after: null, finished_at: new Date(opts.now.getTime() + (Date.now() - clockStart)).toISOString() };
    }
  } catch (error) {
    deps.logger.error("rescan_batch_failed", { message: error instanceof Error ? error.message.slice(0, 200) : String(error) });
    throw error;
  } finally {
    await releaseJobLease(deps.db, RESCAN_JOB, { until, runId: storedRunId }, { ...progress }, opts.now).catch(() => {});
  }
  deps.logger.info("rescan_batch", { stopped, ...counts, run_id: progress.run_id, engine_version: SCANNER_ENGINE_VERSION });
  return { stopped, more: stopped !== "done" && stopped !== "idle", ...counts, progress };
}

/**
 * Rescans one version: claims it (skipped when another runner has it or it is no longer stale),
 * reads its stored files, scans them with its declared permissions, and writes the scan row; when
 * the verdict is `blocked` and the version is servable, quarantines it with the row written in the
 * status change's own transaction, so a verdict is never stored without its takedown.
 */
async function rescanVersion(deps: RescanDeps, id: string, trigger: "rescan" | "manual"): Promise<Outcome> {
  try {
    let takedown: { version: RescanVersion; row: ScanRow; finding: Finding } | undefined;
    const outcome = await deps.db.transaction(async (tx): Promise<Outcome> => {
      const version = await claimStaleVersion(tx, SCANNER_ENGINE_VERSION, id);
      if (!version) return "skipped";
      const bundle = await readBundleForRescan(deps.bucket, version.storagePrefix, version.fileCount);
      if (bundle.kind === "storage_unavailable") return "storage_unavailable";
      if (bundle.kind === "missing") {
        deps.logger.warn("rescan_bundle_unreadable", { plugin_version_id: version.id, missing: bundle.missing });
        await insertPluginScan(tx, unreadableRow(version.id, trigger, bundle.missing, version.fileCount));
        return "unreadable";
      }
      const scan = scanBundleFailClosed(bundle.files, { permissions: canonicalPermissions(version.permissions) });
      const row = scanRow(version.id, trigger, scan);
      const critical = scan.findings.find((f) => f.severity === "critical");
      if (scan.verdict === "blocked" && QUARANTINABLE.includes(version.status)) {
        takedown = { version, row, finding: critical ?? { rule_id: "scanner_error", severity: "critical", file: "", line: 0, message: scan.error ?? "The scanner failed.", excerpt: "" } };
        return "quarantined";
      }
      await insertPluginScan(tx, row);
      return "scanned";
    });
    if (outcome === "storage_unavailable") deps.logger.warn("rescan_storage_unavailable", { plugin_version_id: id });
    if (!takedown) return outcome;
    return await quarantine(deps, takedown);
  } catch (error) {
    deps.logger.error("rescan_version_failed", { plugin_version_id: id, message: error instanceof Error ? error.message.slice(0, 200) : String(error) });
    return "failed";
  }
}

type ScanRow = Parameters<typeof insertPluginScan>[1];

/** The scan row of a rescan: engine, trigger, and no user (the job is `system`). */
function scanRow(pluginVersionId: string, trigger: ScanTrigger, scan: { verdict: "safe" | "review_required" | "blocked"; findings: Finding[]; rules_hit: string[] }): ScanRow {
  return {
    pluginVersionId,
    staticScanStatus: scan.findings.length ? "flagged" : "passed",
    staticFindings: scan.findings,
    blockedPatternsFound: scan.rules_hit,
    overallVerdict: scan.verdict,
    scannedByUserId: null,
    engineVersion: SCANNER_ENGINE_VERSION,
    trigger,
  };
}

/**
 * Stored files missing (a live row says they exist): not a verdict on the content, so never a
 * takedown, but never silence either. The version is held for review with a finding that says so,
 * and, being scanned by this engine, is not picked again: an admin looks at it.
 */
function unreadableRow(pluginVersionId: string, trigger: ScanTrigger, missing: string[], expected: number): ScanRow {
  const finding: Finding = {
    rule_id: "bundle_unreadable",
    severity: "high",
    file: missing[0] ?? "",
    line: 0,
    message: `The stored bundle could not be read for the rescan: ${missing.length ? `${missing.length} file(s) missing from object storage` : `fewer than the ${expected} recorded files are stored`}.`,
    excerpt: "",
  };
  return { ...scanRow(pluginVersionId, trigger, { verdict: "review_required", findings: [finding], rules_hit: [finding.rule_id] }), staticScanStatus: "failed" };
}

/**
 * A version whose scan killed RESCAN_MAX_ATTEMPTS batches: recorded with a `review_required` scan
 * row and a `scan_aborted` finding (never a quarantine: nothing was found, the scan did not end),
 * which also takes it out of the stale set. False when it is no longer stale (nothing written).
 */
async function setAsideVersion(deps: RescanDeps, died: { id: string; attempts: number }, trigger: "rescan" | "manual"): Promise<boolean> {
  deps.logger.error("rescan_version_aborted", { plugin_version_id: died.id, attempts: died.attempts });
  return deps.db.transaction(async (tx) => {
    const version = await claimStaleVersion(tx, SCANNER_ENGINE_VERSION, died.id);
    if (!version) return false;
    const finding: Finding = {
      rule_id: "scan_aborted",
      severity: "high",
      file: "",
      line: 0,
      message: `The rescan did not finish this bundle in ${died.attempts} attempts (the job stopped while scanning it: CPU or memory limit); review it by hand.`,
      excerpt: "",
    };
    await insertPluginScan(tx, { ...scanRow(version.id, trigger, { verdict: "review_required", findings: [finding], rules_hit: [finding.rule_id] }), staticScanStatus: "failed" });
    return true;
  });
}

/** The quarantine reason: the first critical finding's rule, file and line (design.md §44), as a storable one-line status message. */
export function quarantineMessage(finding: Pick<Finding, "rule_id" | "file" | "line" | "message">): string {
  const where = finding.file ? ` in ${finding.file}${finding.line > 0 ? `, line ${finding.line}` : ""}` : "";
  const text = cleanText(`Rescan by scanner ${SCANNER_ENGINE_VERSION} found ${finding.rule_id}${where}: ${finding.message}`);
  return text.length > STATUS_MESSAGE_MAX ? `${text.slice(0, STATUS_MESSAGE_MAX - 1)}…` : text;
}

/**
 * Quarantines a version the rescan blocked, through the status service as `system` (audit
 * `details.job = "rescan"`), its scan row written inside that transaction (`afterWrite`). If the
 * status moved since the claim (an admin quarantined or revoked it meanwhile: 409
 * `invalid_transition`), only the scan row is written.
 */
async function quarantine(deps: RescanDeps, t: { version: RescanVersion; row: ScanRow; finding: Finding }): Promise<Outcome> {
  try {
    await changePluginVersionStatus(
      { db: deps.db, cache: deps.cache, actor: SYSTEM, requestId: null, afterWrite: async (tx) => void (await insertPluginScan(tx, t.row)) },
      t.version.pluginId,
      {
        version: t.version.version,
        status: "quarantined",
        message: quarantineMessage(t.finding),
        requester: "system",
        auditDetails: { job: RESCAN_JOB, engine_version: SCANNER_ENGINE_VERSION, trigger: t.row.trigger, rule_id: t.finding.rule_id, file: t.finding.file, line: t.finding.line },
      },
    );
    deps.logger.warn("rescan_quarantined", { plugin_id: t.version.pluginId, version: t.version.version, rule_id: t.finding.rule_id });
    return "quarantined";
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "invalid_transition") throw error;
    await insertPluginScan(deps.db, t.row);
    return "scanned";
  }
}

/** What `GET /api/admin/plugins/rescan` answers (and `POST` after restarting). */
export interface RescanStatus {
  engine_version: string;
  /** Approved versions still waiting for a scan by this engine. */
  pending: number;
  trigger: "rescan" | "manual" | null;
  scanned: number;
  quarantined: number;
  failed: number;
  started_at: string | null;
  finished_at: string | null;
  /** A batch holds the lease right now. */
  running: boolean;
}

/** The rescan's progress: the current (or last) run's counts and times, what is pending, and whether a batch is working. */
export async function rescanStatus(db: Database, now: Date): Promise<RescanStatus> {
  const [state, pending] = await Promise.all([readJobState(db, RESCAN_JOB), countStaleVersions(db, SCANNER_ENGINE_VERSION)]);
  const p = progressOf(state?.cursor);
  return {
    engine_version: SCANNER_ENGINE_VERSION,
    pending,
    trigger: p.trigger,
    scanned: p.scanned,
    quarantined: p.quarantined,
    failed: p.failed,
    started_at: p.started_at,
    finished_at: p.finished_at,
    running: state?.leaseUntil ? state.leaseUntil.getTime() > now.getTime() : false,
  };
}

/**
 * An admin's restart (`POST /api/admin/plugins/rescan`, design.md §41): a new `manual` run from the
 * first stale version, counts at zero. A batch working at that moment finishes its versions but
 * does not overwrite the new run's progress. The caller then sends `{kind: "rescan"}` to the
 * `jobs` queue, whose batches run the new run to its end.
 */
export async function restartRescan(db: Database, now: Date): Promise<RescanStatus> {
  await resetJobState(db, RESCAN_JOB, { ...newRun(now, "manual") }, now);
  return rescanStatus(db, now);
}
