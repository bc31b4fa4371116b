import { z } from "@hono/zod-openapi";
import { CategoryRefSchema } from "../../domain/categories";
import { TagSchema } from "../../domain/tags";
import { AUTH_PROBLEMS, CursorPaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { listCatalog } from "../../services/catalog";
import { respondWithCatalog } from "./respond";
import { CATALOG_ACCESS, CatalogListSchema, ItemTypeSchema, NOT_MODIFIED } from "./schemas";

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

export const ListItemsQuery = CursorPaginationQuery.extend({
  type: ItemTypeSchema.optional(),
  category: CategoryRefSchema.optional(),
  search: z
    .string()
    .trim()
    .max(200)
    .optional()
    .openapi({
      description:
        "Empty or blank: no search (what a frontend's cleared search box sends). Every word must match the name, description or tags (in full text or as a prefix of a word); quoted phrases in order; `%`, `_` and `\\` literal. When the query as typed matches nothing it is retried with each word of four letters or more also matching a name's word within a small typo distance.",
    }),
  featured: z.enum(["true", "false"]).optional(),
  tags: tagList.openapi({ type: "string", description: "Comma-separated (or repeated); every tag must match, ignoring case (tags are stored lower-case)." }),
  sort: z.enum(["popular", "newest", "name", "relevance"]).optional().openapi({ description: "Default: relevance when searching, else popular." }),
});

export const listItemsRoute = defineRoute({
  method: "get",
  path: "/api/marketplace/items",
  operationId: "listItems",
  tags: ["Catalog"],
  summary: "Browse and search the catalog (all five types)",
  description: [
    "Answers `{items, total, total_exact, limit, offset}`. To walk the whole catalog, use `sort=newest` or `sort=name` without `search` and follow `next_cursor` (given on the first page) as `cursor`: a keyset on the sort key and id, so items approved or removed between pages never make the walk repeat or skip an item that was listed all along and kept its sort key (design.md §51; issue 30 item 3). A cursor page answers `{items, total, total_exact, limit, next_cursor}`, `next_cursor` null on the last page; pass the same filters on every page. `offset` stays for compatibility but shifts when the catalog changes.",
    "400 `cursor_unsupported` for a cursor with `offset`, `search` or another sort; 400 `invalid_cursor` for a cursor this API did not return (or one for another sort).",
  ].join("\n\n"),
  access: CATALOG_ACCESS,
  request: { query: ListItemsQuery },
  responses: {
    200: { description: "A page of items", content: { "application/json": { schema: CatalogListSchema } } },
    ...NOT_MODIFIED,
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerListItems(router: Router) {
  return router.openapi(listItemsRoute, (c) => {
    const query = c.req.valid("query");
    // Every tag must match, so their order is no part of the answer (nor of the cache key).
    const params = {
      ...query,
      search: query.search || undefined,
      featured: query.featured === undefined ? undefined : query.featured === "true",
      tags: query.tags && [...query.tags].sort(),
    };
    return respondWithCatalog(c, (admin) => listCatalog(c.var.db.http, params, { admin }));
  });
}
