import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { isPlatformAdmin } from "../../services/auth/principal";
import { pluginContentFor } from "../../services/plugins/content-access";

export const getPluginContentRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/plugins/{plugin_id}/content",
  operationId: "getPluginContent",
  tags: ["Plugins"],
  summary: "A plugin's files, for a workspace that enabled it",
  description:
    "`{plugin_id, slug, version, pinned, files: {path: text}}`: every UTF-8 file of the bundle (binaries left out), read from R2 through the 3600 s Redis cache. A workspace (X-Workspace-ID, or an API key's own) that enabled the plugin gets its pinned version; a platform admin gets its pinned version, else any plugin's listed version (else its newest); everyone else 404 `plugin_not_found` (the original served anyone, reference §2.3), also when the plugin is inactive. 403 `version_quarantined` (problem+json) when the workspace's pinned version has been quarantined or revoked by a platform admin: its content is no longer served, and the reason is not shown (the enabled list says `version_status`; a revoke also removes the enablement, so later reads are 404). A platform admin is never refused with it: they get the listed version instead.",
  access: { access: "authenticated", scope: "catalog:read", workspaceScoped: false },
  request: { params: z.object({ plugin_id: z.uuid() }) },
  responses: {
    200: {
      description: "Files",
      content: {
        "application/json": {
          schema: z
            .object({ plugin_id: z.uuid(), slug: z.string(), version: z.string(), pinned: z.boolean(), files: z.record(z.string(), z.string()) })
            .openapi("PluginContent"),
        },
      },
    },
    ...problemResponses(503, ...AUTH_PROBLEMS),
    403: {
      ...problemResponses(403)[403],
      description: "Not allowed (role, scope), or `version_quarantined`: the workspace's pinned version was quarantined or revoked and its content is no longer served",
    },
  },
});

export function registerPluginContent(router: Router) {
  return router.openapi(getPluginContentRoute, async (c) => {
    const principal = c.var.principal;
    const workspaceId = c.var.workspace?.id ?? (principal.kind === "api_key" ? principal.key.workspaceId : null);
    const deps = { db: c.var.db.http, cache: c.var.cache, bucket: c.var.storage.bucket };
    return c.json(await pluginContentFor(deps, { workspaceId, platformAdmin: isPlatformAdmin(principal) }, c.req.valid("param").plugin_id), 200);
  });
}
