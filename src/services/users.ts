import { listUsers } from "../db/queries/identity";
import type { Queryable } from "../db/client";

/** One platform user as the admin list shows it (timestamps as ISO 8601 strings). */
export interface PlatformUser {
  id: string;
  clerk_user_id: string;
  email: string | null;
  name: string | null;
  system_role: "user" | "admin" | "super_admin";
  created_at: string;
}

/**
 * A page of platform users, oldest first, optionally filtered by `search` (matched against email
 * and name by the query); `total` counts every match. Access (platform admins only) is the route's.
 */
export async function listPlatformUsers(db: Queryable, opts: { search?: string; limit: number; offset: number }): Promise<{ items: PlatformUser[]; total: number }> {
  const { rows, total } = await listUsers(db, opts);
  const items = rows.map((u) => ({
    id: u.id,
    clerk_user_id: u.clerkUserId,
    email: u.email,
    name: u.name,
    system_role: u.systemRole,
    created_at: u.createdAt.toISOString(),
  }));
  return { items, total };
}
