import type { Bindings } from "../env";
import { rescanBatch, RESCAN_RETRY_DELAY_S } from "../services/plugins/rescan";
import { jobLogger, withJobClients } from "./clients";

/** A message of the `jobs` queue (design.md §41): the job to run. */
export type JobMessage = { kind: "rescan" };

/**
 * Whether a delivery comes from the `jobs` queue: named `jobs` in production and `jobs-<env>`
 * elsewhere (wrangler.toml: queue names are per account, so environments sharing one need their own).
 */
export const isJobsQueue = (name: string) => name === "jobs" || name.startsWith("jobs-");

const isJobMessage = (body: unknown): body is JobMessage =>
  typeof body === "object" && body !== null && (body as { kind?: unknown }).kind === "rescan";

/**
 * The `jobs` queue consumer (design.md §41). `{kind: "rescan"}` runs one rescan batch and, while
 * work remains, sends the next `{kind: "rescan"}` (after RESCAN_RETRY_DELAY_S when another runner
 * held the lease or storage failed, so a busy or failing run is not hammered). Several messages of
 * one delivery run one batch: they ask for the same work. Unknown kinds are acknowledged and
 * logged (retrying cannot make them known). A batch that throws leaves the messages to the
 * queue's retries.
 */
export async function runJobsBatch(batch: MessageBatch<unknown>, env: Bindings, ctx: Pick<ExecutionContext, "waitUntil">): Promise<void> {
  const logger = jobLogger(env, { queue: batch.queue });
  const rescans = batch.messages.filter((m) => isJobMessage(m.body));
  for (const message of batch.messages) {
    if (!isJobMessage(message.body)) {
      logger.warn("unknown_job", { kind: typeof message.body === "object" && message.body !== null ? String((message.body as { kind?: unknown }).kind) : typeof message.body });
      message.ack();
    }
  }
  if (!rescans.length) return;
  const result = await withJobClients(env, ctx, logger, (deps) => rescanBatch(deps, { now: new Date(), trigger: "rescan" }));
  if (result.more) {
    const wait = result.stopped === "busy" || result.stopped === "storage_unavailable";
    await env.JOBS.send({ kind: "rescan" } satisfies JobMessage, wait ? { delaySeconds: RESCAN_RETRY_DELAY_S } : {});
  }
  for (const message of rescans) message.ack();
}
