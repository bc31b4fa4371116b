import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { isPlatformAdmin, requireWorkspace } from "../../services/auth/principal";
import { changeItemVersionStatus, type StatusChange } from "../../services/version-status";
import { MarketplaceItemIdParam } from "./install-schemas";
import { VersionParam, VersionStatusChangeBody, versionStatusResultFields } from "./version-status-schemas";

/**
 * Publisher or admin (design.md §38): the publisher workspace (a user with the editor role or
 * more, or a key with `items:submit`) for active, deprecated and yanked; a platform admin, in no
 * workspace, for every status.
 */
export const VERSION_STATUS_ACCESS = {
  access: "authenticated",
  scope: "items:submit",
  workspaceScoped: true,
  role: "editor",
  platformAdminBypass: true,
} as const;

export const ItemVersionStatusResultSchema = z
  .object({
    item_id: z.uuid(),
    ...versionStatusResultFields,
    replacement_item_id: z.uuid().nullable().openapi({ description: "The replacement named for a deprecated or yanked version; null otherwise." }),
  })
  .openapi("ItemVersionStatusResult");

export const changeItemVersionStatusRoute = defineRoute({
  method: "patch",
  path: "/api/marketplace/items/{id}/versions/{version}",
  operationId: "changeItemVersionStatus",
  tags: ["Publishing"],
  summary: "Deprecate, yank, un-yank, quarantine, release or revoke one approved version of an item",
  description: [
    "Sets the status of an approved version (design.md §33). The publisher workspace moves its own versions among `active`, `deprecated` and `yanked`;",
    "a platform admin (no workspace needed) may also set `quarantined` (hidden from everyone but admins; reversible: `active` releases it) and `revoked` (final).",
    "In one transaction: the status, message, actor and time; the listed version recomputed (a yanked, quarantined or revoked listed version gives way to the next highest active or deprecated stable version; with none the item is not installable, and with no active, deprecated or yanked version it leaves the catalog for non-admins);",
    "one audit row, the `version.*` event (and `item.listed_version_changed` when the listed version moved); then the catalog pages are invalidated.",
    "Errors: 400 `validation_failed` (body, or a `version` that is not a semantic version); 400 `message_required` (no message for `deprecated`, `yanked`, `quarantined` or `revoked`);",
    "400 `invalid_replacement` (a replacement with another status than deprecated or yanked, or not another visible marketplace item of the same type);",
    "403 `admin_required` (a publisher asking for `quarantined` or `revoked`); 403 `insufficient_role` (a user below editor); 403 `insufficient_scope` (a key without `items:submit`, e.g. a `catalog:read` key);",
    "404 `item_not_found` (unknown or removed item, or for a publisher an item its workspace did not publish); 404 `version_not_found`;",
    "409 `invalid_transition` (a version that is not approved, the status it already has, a publisher changing a quarantined or revoked version, anything after `revoked`); 409 `no_publisher` (a publisher on an item without a publisher workspace).",
  ].join(" "),
  access: VERSION_STATUS_ACCESS,
  request: {
    params: MarketplaceItemIdParam.extend(VersionParam.shape),
    body: { required: true, content: { "application/json": { schema: VersionStatusChangeBody } } },
  },
  responses: {
    200: { description: "The status changed", content: { "application/json": { schema: ItemVersionStatusResultSchema } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerChangeItemVersionStatus(router: Router) {
  return router.openapi(changeItemVersionStatusRoute, async (c) => {
    const { id, version } = c.req.valid("param");
    const body = c.req.valid("json");
    // The gate leaves the workspace null only for a platform admin (the bypass); everyone else acts as the publisher.
    const asAdmin = c.var.workspace === null && isPlatformAdmin(c.var.principal);
    const who: Pick<StatusChange, "requester" | "publisherWorkspaceId"> = asAdmin
      ? { requester: "admin" }
      : { requester: "publisher", publisherWorkspaceId: requireWorkspace(c.var.workspace).id };
    const result = await changeItemVersionStatus(
      { db: c.var.db.pool, cache: c.var.cache, actor: c.var.actor, requestId: c.var.requestId },
      id,
      { version, status: body.status, message: body.message, replacementItemId: body.replacement_item_id, ...who },
    );
    return c.json(result, 200);
  });
}
