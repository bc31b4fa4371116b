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

/** Removes a member; admins cannot remove owners, and the last owner cannot be removed. */
export async function removeWorkspaceMember(db: Database, workspace: { id: string; role: WorkspaceRole }, userId: string) {
  await db.transaction(async (tx) => {
    const owners = await lockOwners(tx, workspace.id);
    const targetRole = await findMembershipRole(tx, workspace.id, userId);
    if (!targetRole) throw new ApiError(404, "member_not_found", "That user is not a member of this workspace.");
    if (targetRole === "owner" && workspace.role !== "owner") {
      throw new ApiError(403, "insufficient_role", "Only an owner can remove an owner.");
    }
    if (targetRole === "owner" && owners.length <= 1) {
      throw new ApiError(409, "last_owner", "A workspace must keep at least one owner.");
    }
    await deleteMembership(tx, workspace.id, userId);
  });
}
