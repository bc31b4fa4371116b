import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../../lib/openapi";
import { defineRoute } from "../../../lib/route";
import type { Router } from "../../../lib/router";
import { changePluginVersionStatus } from "../../../services/version-status";
import { VersionParam, VersionStatusChangeBody, versionStatusResultFields } from "../../marketplace/version-status-schemas";
import { ADMIN, PluginIdParam } from "./schemas";

export const PluginVersionStatusResultSchema = z
  .object({
    plugin_id: z.uuid(),
    ...versionStatusResultFields,
    workspaces_disabled: z.number().int().openapi({ description: "A revoke: workspace enablements pinned to the version, removed in the same transaction (0 otherwise)." }),
    agents_unassigned: z.number().int().openapi({ description: "A revoke: agent assignments of the plugin removed in those workspaces (0 otherwise)." }),
    skills_updated: z.number().int().openapi({ description: "Marketplace skills materialised from the version, which take the same status (design.md §36)." }),
  })
  .openapi("PluginVersionStatusResult");

export const changePluginVersionStatusRoute = defineRoute({
  method: "patch",
  path: "/api/admin/plugins/{plugin_id}/versions/{version}",
  operationId: "changePluginVersionStatus",
  tags: ["Plugins (admin)"],
  summary: "Deprecate, yank, un-yank, quarantine, release or revoke one approved plugin version",
  description: [
    "Sets the status of an approved plugin version (design.md §33), as the platform admin: `active`, `deprecated`, `yanked`, `quarantined` (its content answers 403 and it leaves assembled contexts; `active` releases it) or `revoked` (final).",
    "In one transaction: the status, message, actor and time; the listed version recomputed; a revoke removes every workspace enablement pinned to the version and the plugin's agent assignments there;",
    "the skills materialised from the version take the same status; audit rows and events (`version.*`, `plugin.listed_version_changed`, one `plugin.disabled` per workspace a revoke touched); then the catalog pages are invalidated.",
    "Errors: 400 `validation_failed` (body, or a `version` that is not a semantic version); 400 `message_required` (no message for `deprecated`, `yanked`, `quarantined` or `revoked`); 400 `invalid_replacement` (a plugin version names no replacement item);",
    "403 `admin_required` (a caller who is not a platform admin, and every API key); 404 `plugin_not_found`, `version_not_found`; 409 `invalid_transition` (a version that is not approved, the status it already has, anything after `revoked`).",
  ].join(" "),
  access: ADMIN,
  request: {
    params: PluginIdParam.extend(VersionParam.shape),
    body: { required: true, content: { "application/json": { schema: VersionStatusChangeBody } } },
  },
  responses: {
    200: { description: "The status changed", content: { "application/json": { schema: PluginVersionStatusResultSchema } } },
    ...problemResponses(400, 409, ...AUTH_PROBLEMS),
  },
});

export function registerChangePluginVersionStatus(router: Router) {
  return router.openapi(changePluginVersionStatusRoute, async (c) => {
    const { plugin_id, version } = c.req.valid("param");
    const body = c.req.valid("json");
    const result = await changePluginVersionStatus(
      { db: c.var.db.pool, cache: c.var.cache, actor: c.var.actor, requestId: c.var.requestId },
      plugin_id,
      { version, status: body.status, message: body.message, replacementItemId: body.replacement_item_id, requester: "admin" },
    );
    return c.json(result, 200);
  });
}
