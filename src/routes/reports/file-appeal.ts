import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { fileAppeal } from "../../services/reports/appeal";
import { MarketplaceItemIdParam } from "../marketplace/install-schemas";
import { AppealBody, AppealFiledSchema, reportDeps } from "./schemas";

export const fileAppealRoute = defineRoute({
  method: "post",
  path: "/api/marketplace/items/{id}/appeals",
  operationId: "appealModerationAction",
  tags: ["Reports"],
  summary: "Appeal the moderation action on one of your item's versions (once per action)",
  description: [
    "The publisher workspace (a user with the editor role or more, or a key with `items:submit`) answers the newest moderation action on a version of its item (design.md §37): a `deprecate`, `yank`, `quarantine` or `revoke` from an admin's resolve, as listed under `moderation_actions` on `GET /api/marketplace/submissions` and `GET /api/marketplace/items/{id}?include=moderation`.",
    "The appeal joins the admins' queue (`GET /api/admin/reports`, tier 1); an admin's next resolve on that version answers it (e.g. `release` lifts the quarantine, `dismiss` keeps it), and the answer shows on the same two views. Plugins have no appeal route (their publisher is the platform).",
    "Errors: 400 `validation_failed` (message blank, over 2,000 characters, or with control characters); 403 `insufficient_role`, `insufficient_scope`; 404 `item_not_found` (unknown, or not published from your workspace);",
    "409 `no_publisher` (an item without a publisher workspace); 409 `nothing_to_appeal` (no action on that version); 409 `not_appealable` (its newest action is a `remove` or `release`); 409 `appeal_exists`.",
  ].join(" "),
  access: { access: "authenticated", scope: "items:submit", workspaceScoped: true, role: "editor" },
  request: { params: MarketplaceItemIdParam, body: { required: true, content: { "application/json": { schema: AppealBody } } } },
  responses: {
    201: { description: "The appeal, open", content: { "application/json": { schema: AppealFiledSchema } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerFileAppeal(router: Router) {
  return router.openapi(fileAppealRoute, async (c) => {
    const appeal = await fileAppeal(reportDeps(c), requireWorkspace(c.var.workspace).id, c.req.valid("param").id, c.req.valid("json"));
    return c.json(appeal, 201);
  });
}
