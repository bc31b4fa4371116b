import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import { withRoutes, type Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { deleteWorkspaceItem } from "../../services/workspace-items";
import { COLLECTIONS, ItemIdParam, WRITE_ACCESS } from "./schemas";

export function registerDeleteWorkspaceItem(router: Router) {
  return withRoutes(
    router,
    ...COLLECTIONS.map(({ type, path, tag, label, noun }) => {
      const route = defineRoute({
        method: "delete",
        path: `${path}/{id}`,
        tags: [tag],
        operationId: `delete${noun}`,
        summary: `Delete a ${label} (an installed copy's install record is ended, not lost)`,
        access: WRITE_ACCESS,
        request: { params: ItemIdParam },
        responses: { 204: { description: "Deleted" }, ...problemResponses(400, ...AUTH_PROBLEMS) },
      });
      return router.openapi(route, async (c) => {
        await deleteWorkspaceItem(c.var.db.pool, requireWorkspace(c.var.workspace).id, type, c.req.valid("param").id);
        return c.body(null, 204);
      });
    }),
  );
}
