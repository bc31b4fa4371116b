import { z } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { isPlatformAdmin } from "../../services/auth/principal";
import { catalogItemDetail } from "../../services/catalog";
import { cachedCatalogResponse, catalogRequestKey } from "../../services/catalog-cache";
import { installOf } from "../../services/installs";
import { catalogFillOf, respondWithCatalog } from "./respond";
import { CATALOG_ACCESS, CatalogItemDetailSchema, NOT_MODIFIED } from "./schemas";

export const getItemRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/items/{id}",
  operationId: "getItem",
  tags: ["Catalog"],
  summary: "An item with its dependencies and version history",
  description:
    "Each entry of `versions[]` carries its `status`, `status_message` (the publisher's message for deprecated and yanked versions; null otherwise, but platform admins, whose answers are never cached, also read a quarantine's or revoke's reason), `replacement` and `deprecation`; " +
    "`installable` is false when no version can be installed (every approved version yanked), and `listed_version` is then null. " +
    "For everyone but platform admins, quarantined and revoked versions are absent from `versions[]`, and an item whose approved versions are all quarantined or revoked is 404 `item_not_found`. " +
    "With X-Workspace-ID (an API key defaults to its own workspace for `include`) and `include=install`, also `installed`: whether and which version that workspace installed, with that version's `version_status` (`null` when it has not), answered `private, no-store` because it is per workspace. " +
    "Opt-in, so that the usual detail read, with or without a workspace, stays a cached read with no database query (issue 11 item 5). " +
    "With X-Workspace-ID and `include=moderation`, the publisher's own view (design.md §35; `private, no-store`): only for an item published from that workspace (else 404 `item_not_found`), hidden or not, " +
    "with every version, its `review_status` and its raw `status_message` (a quarantine's or revoke's reason included); 400 `workspace_required` without a workspace.",
  access: CATALOG_ACCESS,
  request: {
    params: z.object({ id: z.uuid() }),
    query: z.object({
      include: z
        .enum(["install", "moderation"])
        .optional()
        .openapi({ description: "`install`: add the named workspace's install (needs X-Workspace-ID); `moderation`: the publisher's own view (needs X-Workspace-ID)." }),
    }),
  },
  responses: {
    200: { description: "The item", content: { "application/json": { schema: CatalogItemDetailSchema } } },
    ...NOT_MODIFIED,
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerGetItem(router: Router) {
  return router.openapi(getItemRoute, async (c) => {
    const { id } = c.req.valid("param");
    const include = c.req.valid("query").include;
    // An API key acts for its own workspace when the request names none, as on workspace-scoped routes.
    const principal = c.var.principal;
    const workspace = c.var.workspace ?? (include && principal.kind === "api_key" ? { id: principal.key.workspaceId, role: null } : null);
    if (include === "moderation") {
      if (!workspace) throw new ApiError(400, "workspace_required", "include=moderation needs the publisher workspace (X-Workspace-ID).");
      // Per caller, with moderation notes: never cached, never shared (design.md §35).
      const detail = await catalogItemDetail(c.var.db.http, id, { admin: false, publisherWorkspaceId: workspace.id });
      c.header("Cache-Control", "private, no-store");
      return c.json(detail, 200);
    }
    if (!workspace || include !== "install") return respondWithCatalog(c, (admin) => catalogItemDetail(c.var.db.http, id, { admin }));

    // The shared detail (cached for non-admins) plus this workspace's install, which is never cached.
    const admin = isPlatformAdmin(c.var.principal);
    // The shared detail's own key: the same entry the plain detail read fills.
    const key = await catalogRequestKey(c, ["include"]);
    const [detail, installed] = await Promise.all([
      admin || key === null
        ? catalogItemDetail(c.var.db.http, id, { admin })
        : cachedCatalogResponse(c.var.cache, key, () => catalogItemDetail(c.var.db.http, id, { admin }), (work) => c.executionCtx.waitUntil(work), c.var.catalogPrefetch, catalogFillOf(c)).then(
            (r) => JSON.parse(r.body) as z.infer<typeof CatalogItemDetailSchema>,
          ),
      installOf(c.var.db.http, workspace.id, id),
    ]);
    c.header("Cache-Control", "private, no-store");
    return c.json({ ...detail, installed }, 200);
  });
}
