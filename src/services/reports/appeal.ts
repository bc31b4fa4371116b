import type { Database } from "../../db/client";
import { isUniqueViolation } from "../../db/errors";
import { appendEvents } from "../../db/queries/events";
import { insertAudit } from "../../db/queries/publishing";
import { findSubject, insertAppeal, latestActionOn, lockSubjectRow } from "../../db/queries/reports";
import { APPEALABLE_ACTIONS, normalizedReportText, reportTextRefusal } from "../../domain/reports";
import { ApiError } from "../../lib/errors";
import { actorOf, type Principal } from "../auth/principal";

export interface AppealDeps {
  db: Database;
  principal: Principal;
  requestId: string;
}

const itemNotFound = () => new ApiError(404, "item_not_found", "Marketplace item not found");
const appealExists = () => new ApiError(409, "appeal_exists", "This moderation action has already been appealed; an admin answers it once.");

/**
 * The publisher's appeal of the newest moderation action on one of its item versions (issue 29
 * item 3; design.md §37): once per action. In one transaction: the appeal row, an audit row
 * `appeal.file` and the admin-only `appeal.filed` event; it then shows in the admins' queue until a
 * resolve on that item version answers it.
 * @returns `{id, status: "open", item_id, version, moderation_action_id, action, created_at}`.
 * @throws 400 `validation_failed` (message blank, over 2,000 characters, or with control
 *   characters); 404 `item_not_found` (unknown, or not published from the caller's workspace); 409
 *   `no_publisher` (an item without a publisher workspace); 409 `nothing_to_appeal` (no moderation
 *   action on that version); 409 `not_appealable` (its newest action is a `remove` or `release`);
 *   409 `appeal_exists`.
 */
export async function fileAppeal(deps: AppealDeps, workspaceId: string, itemId: string, input: { version: string; message: string }) {
  const message = normalizedReportText(input.message, true);
  const refusal = message === null ? "must not be blank" : reportTextRefusal(message, true);
  if (refusal || message === null) throw new ApiError(400, "validation_failed", `message ${refusal}.`, { errors: [{ path: "message", message: refusal ?? "" }] });
  const actor = actorOf(deps.principal);
  try {
    return await deps.db.transaction(async (tx) => {
      if (!(await lockSubjectRow(tx, { type: "item", id: itemId }))) throw itemNotFound();
      const subject = await findSubject(tx, { type: "item", id: itemId });
      if (!subject) throw itemNotFound();
      if (!subject.publisherWorkspaceId) throw new ApiError(409, "no_publisher", "This item has no publisher workspace; there is no one to appeal for it.");
      if (subject.publisherWorkspaceId !== workspaceId) throw itemNotFound();
      const action = await latestActionOn(tx, itemId, input.version);
      if (!action) throw new ApiError(409, "nothing_to_appeal", `No moderation action was taken on version ${input.version}.`);
      if (!APPEALABLE_ACTIONS.includes(action.action)) {
        throw new ApiError(409, "not_appealable", `The latest action on version ${input.version} is ${action.action}, which cannot be appealed.`);
      }
      if (action.appealId) throw appealExists();
      const row = await insertAppeal(tx, { actionId: action.id, itemId, version: input.version, workspaceId, message, ...actor });
      await insertAudit(tx, {
        ...actor,
        action: "appeal.file",
        targetType: "appeal",
        targetId: row.id,
        workspaceId,
        reason: null,
        details: { item_id: itemId, version: input.version, moderation_action_id: action.id },
        requestId: deps.requestId,
      });
      await appendEvents(tx, [{ type: "appeal.filed", itemId, data: { appeal_id: row.id, item_id: itemId, version: input.version, moderation_action_id: action.id } }]);
      return {
        id: row.id,
        status: "open" as const,
        item_id: itemId,
        version: input.version,
        moderation_action_id: action.id,
        action: action.action,
        created_at: row.createdAt.toISOString(),
      };
    });
  } catch (error) {
    if (isUniqueViolation(error, "appeals_action_key")) throw appealExists();
    throw error;
  }
}
