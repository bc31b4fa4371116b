import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import { withRoutes, type Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { listItems } from "../../services/workspace-items";
import { COLLECTIONS, READ_ACCESS, WorkspaceItemSchema } from "./schemas";

const ListSchema = paginated(WorkspaceItemSchema, "WorkspaceItemList");

export function registerListWorkspaceItems(router: Router) {
  return withRoutes(
    router,
    ...COLLECTIONS.map(({ type, path, tag, label, noun }) => {
      const route = defineRoute({
        method: "get",
        path,
        tags: [tag],
        operationId: `list${noun}s`,
        summary: `List the workspace's ${label}s`,
        access: READ_ACCESS,
        request: { query: PaginationQuery },
        responses: { 200: { description: "By name", content: { "application/json": { schema: ListSchema } } }, ...problemResponses(400, ...AUTH_PROBLEMS) },
      });
      return router.openapi(route, async (c) =>
        c.json(await listItems(c.var.db.http, requireWorkspace(c.var.workspace).id, type, c.req.valid("query")) as z.infer<typeof ListSchema>, 200),
      );
    }),
  );
}
