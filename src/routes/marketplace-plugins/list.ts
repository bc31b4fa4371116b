import { z } from "@hono/zod-openapi";
import { REVIEW_STATUSES } from "../../domain/version-status";
import { TagSchema } from "../../domain/tags";
import { AUTH_PROBLEMS, CursorPaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { listPlugins } from "../../services/plugins/catalog";
import { respondWithCatalog } from "../marketplace/respond";
import { CATALOG_ACCESS, NOT_MODIFIED } from "../marketplace/schemas";
import { PLUGINS_TAG, PluginListSchema } from "./schemas";

// Every tag must match, so the filter is a set: de-duplicated and sorted here, so that its
// spellings share one catalog page key (services/catalog-cache.ts, catalogReadKey).
const tagList = z.preprocess(
  (value) => (value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(","))),
  z
    .array(TagSchema)
    .max(10)
    .overwrite((tags) => [...new Set(tags)].sort())
    .optional(),
);

export const ListPluginsQuery = z.object({
  category_id: z.uuid().optional(),
  category: z
    .string()
    .trim()
    .toLowerCase()
    .min(1)
    .max(63)
    .optional()
    .openapi({ description: "A category slug (as the original frontend sends it); an unknown slug matches nothing." }),
  search: z.string().trim().max(200).optional().openapi({ description: "Empty or blank: no search (what a frontend's cleared search box sends)." }),
  tags: tagList.openapi({ type: "string", description: "Comma-separated (or repeated); every tag must match, ignoring case. At most 10." }),
  sort: z.enum(["popular", "newest", "name", "relevance"]).optional().openapi({ description: "Default: relevance when searching, else popular." }),
  approval_status: z
    .enum(REVIEW_STATUSES)
    .optional()
    .openapi({ description: "Platform admins only: narrow to plugins with this derived status. Ignored for everyone else, who only ever see visible plugins." }),
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: "1–100, default 20" }),
  offset: CursorPaginationQuery.shape.offset,
  cursor: CursorPaginationQuery.shape.cursor,
});

export const listPluginsRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/plugins",
  operationId: "listPlugins",
  tags: [PLUGINS_TAG],
  summary: "Browse and search marketplace plugins",
  description: [
    "Answers `{items, total, total_exact, limit, offset}`. To walk every plugin, use `sort=newest` or `sort=name` without `search` and follow `next_cursor` (given on the first page) as `cursor`: a keyset on the sort key and id, so plugins approved or removed between pages never make the walk repeat or skip one listed all along whose sort key did not change (design.md §51; issue 30 item 3); a cursor page answers `{items, total, total_exact, limit, next_cursor}` (null at the end). `offset` stays for compatibility. 400 `cursor_unsupported` for a cursor with `offset`, `search` or another sort; 400 `invalid_cursor` for one this API did not return. Non-admins see only plugins that are active and have an approved version that is active, deprecated or yanked (design.md §34; a plugin whose versions are all yanked stays listed with `installable: false`, one whose only approved versions are quarantined or revoked is hidden); `approval_status` is ignored for them (it can narrow but never widen, so it is not an error). Platform admins see every plugin, uncached.",
    "Orders: `popular` (enable_count, descending), `newest` (created_at, descending), `name` (case-insensitive), `relevance` (exact name, then name prefix, then text rank + trigram similarity; the default when searching). Every order ends with the id, so pages within one catalog generation never repeat or skip a plugin.",
    "Search (`search`) matches name, slug, description and tags by full text (every word, each also as a prefix), the name's words within a small typo distance when the query as typed matches nothing, or a literal substring of the name or slug; punctuation is never an error.",
    "Cached for non-admins like the item catalog (design.md §15): ETag `\"g<generation>-<hash>\"`, `If-None-Match` → 304, `Cache-Control: private, max-age=60`; plugin approve, reject, deactivate, reactivate, delete and every version status change bump the generation.",
    "400 `validation_failed` for a bad limit, offset, sort, status, category_id or tag.",
  ].join("\n\n"),
  access: CATALOG_ACCESS,
  request: { query: ListPluginsQuery },
  responses: {
    200: { description: "A page of plugins", content: { "application/json": { schema: PluginListSchema } } },
    ...NOT_MODIFIED,
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerListPlugins(router: Router) {
  return router.openapi(listPluginsRoute, (c) => {
    const q = c.req.valid("query");
    const query = {
      categoryId: q.category_id,
      category: q.category,
      search: q.search || undefined,
      // Every tag must match, so their order is no part of the answer.
      tags: q.tags && [...new Set(q.tags)].sort(),
      sort: q.sort,
      approvalStatus: q.approval_status,
      limit: q.limit,
      offset: q.offset,
      cursor: q.cursor,
    };
    return respondWithCatalog(c, (admin) => listPlugins(c.var.db.http, query, { admin }));
  });
}
