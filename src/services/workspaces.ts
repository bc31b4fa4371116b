import type { Database, Queryable } from "../db/client";
import {
  deleteMembership,
  findMembershipRole,
  findUserByIdOrEmail,
  insertMembership,
  insertWorkspace,
  listMembers,
  listWorkspacesOfUser,
  lockOwners,
  revokeKeysCreatedBy,
  slugTaken,
  type WorkspaceRole,
} from "../db/queries/identity";
import { ApiError } from "../lib/errors";
import { roleAtLeast } from "./auth/principal";

export function slugify(name: string): string {
  const base = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 50);
  return base || "workspace";
}

/** Creates a workspace; its creator becomes the owner, in one transaction. */
export async function createWorkspace(db: Database, creatorId: string, input: { name: string; slug?: string }) {
  return db.transaction(async (tx) => {
    let slug = input.slug ?? slugify(input.name);
    if (await slugTaken(tx, slug)) {
      if (input.slug) throw new ApiError(409, "slug_taken", `The workspace slug \`${input.slug}\` is taken.`);
      slug = `${slug}-${crypto.randomUUID().slice(0, 6)}`;
    }
    const workspace = await insertWorkspace(tx, { name: input.name, slug, createdByUserId: creatorId });
    await insertMembership(tx, { workspaceId: workspace.id, userId: creatorId, role: "owner" });
    return { ...workspace, role: "owner" as const };
  });
}

export function listMyWorkspaces(db: Queryable, userId: string) {
  return listWorkspacesOfUser(db, userId);
}

export function listWorkspaceMembers(db: Queryable, workspaceId: string) {
  return listMembers(db, workspaceId);
}

/** Adds an existing user (by id or e-mail) with a role no higher than the caller's own. */
export async function addWorkspaceMember(
  db: Queryable,
  workspace: { id: string; role: WorkspaceRole },
  input: { userId?: string; email?: string; role: WorkspaceRole },
) {
  if (!roleAtLeast(workspace.role, input.role)) {
    throw new ApiError(403, "insufficient_role", `Only members with the ${input.role} role or higher can grant it.`);
  }
  const user = await findUserByIdOrEmail(db, input);
  if (!user) throw new ApiError(404, "user_not_found", "No user with that id or e-mail has signed in yet.");
  if (!(await insertMembership(db, { workspaceId: workspace.id, userId: user.id, role: input.role }))) {
    throw new ApiError(409, "already_member", "That user is already a member of this workspace.");
  }
  return { userId: user.id, clerkUserId: user.clerkUserId, email: user.email, name: user.name, role: input.role };
}

/**
 * Removes a member, in one transaction with the revocation of every API key that member created in
 * the workspace (issue 10, item 3: a key acts only while its creator could create it). Any member
 * may remove themselves; removing someone else needs the admin role, and an owner only an owner.
 * The last owner stays (409 `last_owner`). Returns how many keys were revoked.
 * Raises 403 `insufficient_role`, 404 `member_not_found`, 409 `last_owner`.
 */
export async function removeWorkspaceMember(
  db: Database,
  caller: { workspaceId: string; userId: string; role: WorkspaceRole },
  userId: string,
): Promise<{ revokedApiKeys: number }> {
  return db.transaction(async (tx) => {
    const owners = await lockOwners(tx, caller.workspaceId);
    const leaving = userId === caller.userId;
    if (!leaving && !roleAtLeast(caller.role, "admin")) {
      throw new ApiError(403, "insufficient_role", "Only admins and owners can remove other members; anyone can leave.");
    }
    const targetRole = await findMembershipRole(tx, caller.workspaceId, userId);
    if (!targetRole) throw new ApiError(404, "member_not_found", "That user is not a member of this workspace.");
    if (targetRole === "owner" && caller.role !== "owner") {
      throw new ApiError(403, "insufficient_role", "Only an owner can remove an owner.");
    }
    if (targetRole === "owner" && owners.length <= 1) {
      throw new ApiError(409, "last_owner", "A workspace must keep at least one owner.");
    }
    await deleteMembership(tx, caller.workspaceId, userId);
    return { revokedApiKeys: await revokeKeysCreatedBy(tx, caller.workspaceId, userId) };
  });
}
