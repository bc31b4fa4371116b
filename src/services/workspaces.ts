import type { Cache } from "../clients/cache";
import type { Database, Queryable } from "../db/client";
import {
  deleteMembership,
  findMembershipRole,
  findUserByIdOrEmail,
  insertMembership,
  insertWorkspace,
  listInvitationsForEmail,
  listMembers,
  listWorkspacesOfUser,
  lockOwners,
  revokeKeysCreatedBy,
  slugTaken,
  takeInvitation,
  updateMembershipRole,
  upsertInvitation,
  type WorkspaceRole,
} from "../db/queries/identity";
import { KEY_MANAGER_ROLE } from "../lib/access";
import { ApiError } from "../lib/errors";
import { roleAtLeast } from "./auth/principal";
import { forgetApiKeys, forgetMembership } from "./auth/principal-cache";

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

function assertMayGrant(callerRole: WorkspaceRole, role: WorkspaceRole) {
  if (!roleAtLeast(callerRole, role)) {
    throw new ApiError(403, "insufficient_role", `Only members with the ${role} role or higher can grant it.`);
  }
}

/** The form e-mail addresses are stored and matched in. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * Adds an existing user by id with a role no higher than the caller's own. The caller already
 * knows the id, so a 404 reveals nothing new. Raises 403 `insufficient_role`, 404
 * `user_not_found`, 409 `already_member`.
 */
export async function addWorkspaceMember(db: Queryable, workspace: { id: string; role: WorkspaceRole }, input: { userId: string; role: WorkspaceRole }) {
  assertMayGrant(workspace.role, input.role);
  const user = await findUserByIdOrEmail(db, { userId: input.userId });
  if (!user) throw new ApiError(404, "user_not_found", "No user with that id.");
  if (!(await insertMembership(db, { workspaceId: workspace.id, userId: user.id, role: input.role }))) {
    throw new ApiError(409, "already_member", "That user is already a member of this workspace.");
  }
  return { userId: user.id, role: input.role };
}

/**
 * Invites an e-mail address (issue 10, item 8). The outcome is the same whether or not an account
 * with that address exists, or is already a member: an open invitation, which only the user signed
 * in with that address can see and accept. So the answer is no account-existence oracle, and
 * nobody joins a workspace without consenting. Raises 403 `insufficient_role`.
 */
export async function inviteByEmail(
  db: Queryable,
  workspace: { id: string; role: WorkspaceRole },
  input: { email: string; role: WorkspaceRole; invitedByUserId: string },
): Promise<void> {
  assertMayGrant(workspace.role, input.role);
  await upsertInvitation(db, { workspaceId: workspace.id, email: normalizeEmail(input.email), role: input.role, invitedByUserId: input.invitedByUserId });
}

/** Open invitations for the signed-in user's e-mail (none when the session carries no e-mail). */
export async function listMyInvitations(db: Queryable, user: { email: string | null }) {
  return user.email ? listInvitationsForEmail(db, normalizeEmail(user.email)) : [];
}

/**
 * Accepts an invitation addressed to the user's e-mail: the membership is created and the
 * invitation deleted in one transaction. A user who is already a member keeps their role.
 * Raises 404 `invitation_not_found` (unknown, or addressed to someone else).
 */
export async function acceptInvitation(db: Database, user: { id: string; email: string | null }, invitationId: string) {
  return db.transaction(async (tx) => {
    const invitation = user.email ? await takeInvitation(tx, invitationId, normalizeEmail(user.email)) : undefined;
    if (!invitation) throw new ApiError(404, "invitation_not_found", "No such invitation for your e-mail address.");
    const added = await insertMembership(tx, { workspaceId: invitation.workspaceId, userId: user.id, role: invitation.role });
    const role = added ? invitation.role : (await findMembershipRole(tx, invitation.workspaceId, user.id))!;
    return { workspaceId: invitation.workspaceId, role };
  });
}

/**
 * Removes a member, in one transaction with the revocation of every API key that member created in
 * the workspace (issue 10, item 3: a key acts only while its creator could create it). After the
 * commit, the member's cached membership and the revoked keys' cached principals are deleted, so
 * the next request sees the change, warm cache or not (issue 11 item 1). Any member
 * may remove themselves; removing someone else needs the admin role, and an owner only an owner.
 * The last owner stays (409 `last_owner`). Returns how many keys were revoked.
 * Raises 403 `insufficient_role`, 404 `member_not_found`, 409 `last_owner`.
 */
export async function removeWorkspaceMember(
  db: Database,
  cache: Cache,
  caller: { workspaceId: string; userId: string; role: WorkspaceRole },
  userId: string,
): Promise<{ revokedApiKeys: number }> {
  const done = await db.transaction(async (tx) => {
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
    const member = await findUserByIdOrEmail(tx, { userId });
    return { clerkUserId: member?.clerkUserId, revokedKeyHashes: await revokeKeysCreatedBy(tx, caller.workspaceId, userId) };
  });
  await forgetChanges(cache, caller.workspaceId, done);
  return { revokedApiKeys: done.revokedKeyHashes.length };
}

/** Deletes the cache entries a membership change made stale; after the commit, never before. */
async function forgetChanges(cache: Cache, workspaceId: string, done: { clerkUserId?: string; revokedKeyHashes: string[] }) {
  await Promise.all([
    done.clerkUserId ? forgetMembership(cache, workspaceId, done.clerkUserId) : undefined,
    forgetApiKeys(cache, done.revokedKeyHashes),
  ]);
}

/**
 * Changes a member's role. A member who falls below the role that creates API keys loses every key
 * they created in the workspace, revoked in the same transaction (issue 10, item 3); returns how
 * many. The cached membership and revoked keys are deleted after the commit (issue 11 item 1). The new role is at most the caller's own; only an owner changes an owner's role, and the
 * last owner stays an owner. Raises 403 `insufficient_role`, 404 `member_not_found`, 409 `last_owner`.
 */
export async function changeMemberRole(
  db: Database,
  cache: Cache,
  caller: { workspaceId: string; role: WorkspaceRole },
  userId: string,
  role: WorkspaceRole,
): Promise<{ revokedApiKeys: number }> {
  assertMayGrant(caller.role, role);
  const done = await db.transaction(async (tx) => {
    const owners = await lockOwners(tx, caller.workspaceId);
    const current = await findMembershipRole(tx, caller.workspaceId, userId);
    if (!current) throw new ApiError(404, "member_not_found", "That user is not a member of this workspace.");
    if (current === "owner" && caller.role !== "owner") {
      throw new ApiError(403, "insufficient_role", "Only an owner can change an owner's role.");
    }
    if (current === "owner" && role !== "owner" && owners.length <= 1) {
      throw new ApiError(409, "last_owner", "A workspace must keep at least one owner.");
    }
    await updateMembershipRole(tx, caller.workspaceId, userId, role);
    const revokedKeyHashes = roleAtLeast(role, KEY_MANAGER_ROLE) ? [] : await revokeKeysCreatedBy(tx, caller.workspaceId, userId);
    const member = await findUserByIdOrEmail(tx, { userId });
    return { clerkUserId: member?.clerkUserId, revokedKeyHashes };
  });
  await forgetChanges(cache, caller.workspaceId, done);
  return { revokedApiKeys: done.revokedKeyHashes.length };
}
