import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, paginated, PaginationQuery, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { listPlatformUsers } from "../../services/users";

const AdminUserSchema = z
  .object({
    id: z.uuid(),
    clerk_user_id: z.string(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    system_role: z.enum(["user", "admin", "super_admin"]),
    created_at: z.string(),
  })
  .openapi("AdminUser");

export const listUsersRoute = defineRoute({
  method: "get",
  path: "/api/admin/users",
  operationId: "listUsers",
  tags: ["Admin"],
  summary: "List users (platform admins only)",
  access: { access: "admin" },
  request: { query: PaginationQuery.extend({ search: z.string().trim().min(1).max(200).optional() }) },
  responses: {
    200: { description: "Users, oldest first", content: { "application/json": { schema: paginated(AdminUserSchema, "AdminUserList") } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerListUsers(router: Router) {
  return router.openapi(listUsersRoute, async (c) => {
    const query = c.req.valid("query");
    const { items, total } = await listPlatformUsers(c.var.db.http, query);
    return c.json({ items, total, limit: query.limit, offset: query.offset }, 200);
  });
}
