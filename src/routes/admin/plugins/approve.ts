import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../../lib/openapi";
import { defineRoute } from "../../../lib/route";
import type { Router } from "../../../lib/router";
import { approvePlugin } from "../../../services/plugins/moderation";
import { ADMIN, PluginIdParam, pluginDeps } from "./schemas";

export const approvePluginRoute = defineRoute({
  method: "post",
  path: "/api/admin/plugins/{plugin_id}/approve",
  operationId: "approvePlugin",
  tags: ["Plugins (admin)"],
  summary: "Approve a pending plugin version (default: the newest pending one)",
  description:
    "When the version becomes the listed one (design.md §34: a pre-release never displaces a listable stable version), each SKILL.md (YAML front matter) is re-scanned and materialised as a marketplace skill remembering the plugin version; earlier versions' skills are retired. The plugin takes the version's manifest name and tags (normalised as item names and tags). 404 `plugin_not_found`; 409 `name_taken` when another plugin has taken the manifest's name (or a look-alike) since the upload; 409 `plugin_inactive` when the plugin is deactivated (reactivate it first); 409 `invalid_transition` when nothing (or not that version) is pending, or the version's scan verdict is `blocked`; 503 `storage_unavailable` (Retry-After 5, nothing approved) when R2 fails or the version's files are missing from it. Writes an audit row in the same transaction and bumps the catalog generation.",
  access: ADMIN,
  request: {
    params: PluginIdParam,
    body: { required: false, content: { "application/json": { schema: z.object({ version: z.string().max(100).optional() }) } } },
  },
  responses: {
    200: {
      description: "Approved",
      content: {
        "application/json": {
          schema: z.object({
            plugin_id: z.uuid(),
            version: z.string(),
            approval_status: z.literal("approved"),
            latest: z.boolean().openapi({ description: "true when this is now the plugin's listed version: the highest approved stable version that is active or deprecated, else such a pre-release (its manifest fields are mirrored)" }),
            materialized_skill_ids: z.array(z.uuid()).openapi({ description: "Marketplace skills made from the version's SKILL.md files" }),
            skipped_skill_files: z
              .array(z.object({ file: z.string(), reason: z.enum(["scan_findings", "name_taken", "name_invalid"]) }))
              .openapi({
                description:
                  "SKILL.md files not made skills: `scan_findings` (a critical or high finding), `name_taken` (another marketplace skill, or another SKILL.md of this version, has the name or a look-alike: Unicode TR39 skeleton, case-insensitive), `name_invalid` (the name breaks the rules of names: control, line-break, zero-width, bidi or invisible characters, nothing visible, over 200 characters). A skipped file never fails the approval.",
              }),
          }),
        },
      },
    },
    ...problemResponses(400, 409, 503, ...AUTH_PROBLEMS),
  },
});

export function registerApprovePlugin(router: Router) {
  return router.openapi(approvePluginRoute, async (c) => {
    const body = c.req.valid("json") as { version?: string } | undefined;
    return c.json(await approvePlugin(pluginDeps(c), c.req.valid("param").plugin_id, body?.version), 200);
  });
}
