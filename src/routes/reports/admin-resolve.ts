import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { resolveReports } from "../../services/reports/resolve";
import { ResolveBody, ResolvedSchema } from "./schemas";

export const resolveReportsRoute = defineRoute({
  method: "post",
  path: "/api/admin/reports/resolve",
  operationId: "resolveReports",
  tags: ["Reports"],
  summary: "Platform admins: act on a subject's reports (and appeal) and close them",
  description: [
    "Applies `action` to the subject through the same code as every other path (design.md §46): the version status service for `deprecate`, `yank`, `quarantine`, `release` and `revoke`; the item soft delete (design.md §5) or the plugin deactivation for `remove`; nothing for `dismiss`.",
    "In one transaction with it: a moderation action with the note, every open report on the subject and version closed (a version action also closes the subject's reports that name no version; `remove` all of the subject's), the open appeal on that version answered,",
    "one audit row `report.resolve` (the status change keeps its own, naming the reports), and the events: the action's own (`version.*`, …), one `report.resolved` per reporting workspace, and for an item with a publisher one `moderation.action` for it. Then the catalog pages are invalidated.",
    "A dismissed report's workspace and reporter may report the same subject and version again only once it changed or after 30 days.",
    "Errors: 400 `validation_failed` (body; note blank or with control characters); 400 `version_required`; 400 `message_required`; 403 `admin_required`; 404 `item_not_found`, `plugin_not_found`, `version_not_found`;",
    "Any action but `dismiss` may also be taken with nothing open (e.g. releasing a plugin quarantine); it is then a moderation action the publisher sees and may appeal like any other.",
    "409 `nothing_to_resolve` (a `dismiss` with no open report or appeal there); 409 `invalid_transition` (the version's status forbids the action; nothing is resolved); 409 `no_publisher` (`remove` of an item without a publisher workspace).",
  ].join(" "),
  access: { access: "admin" },
  request: { body: { required: true, content: { "application/json": { schema: ResolveBody } } } },
  responses: {
    200: { description: "The action taken and what it closed", content: { "application/json": { schema: ResolvedSchema } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerResolveReports(router: Router) {
  return router.openapi(resolveReportsRoute, async (c) => {
    const body = c.req.valid("json");
    const subject = body.subject.item_id ? { type: "item" as const, id: body.subject.item_id } : { type: "plugin" as const, id: body.subject.plugin_id! };
    const result = await resolveReports(
      { db: c.var.db.pool, cache: c.var.cache, actor: c.var.actor, requestId: c.var.requestId },
      { subject, version: body.subject.version ?? null, action: body.action, note: body.note },
    );
    return c.json(result, 200);
  });
}
