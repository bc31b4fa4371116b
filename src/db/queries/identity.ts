import { and, asc, count, desc, eq, ilike, isNull, or, sql } from "drizzle-orm";
import type { Queryable } from "../client";
import { apiKeys, users, workspaceInvitations, workspaceMembers, workspaces, type WORKSPACE_ROLES } from "../schema";

export type UserRow = typeof users.$inferSelect;
export type WorkspaceRow = typeof workspaces.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

export async function findUserByClerkId(db: Queryable, clerkUserId: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.clerkUserId, clerkUserId)).limit(1);
  return row;
}

/**
 * Creates the user, or fills in e-mail and name when the token carries new values. A concurrent
 * first request for the same user meets the unique key and updates instead.
 */
export async function upsertUser(
  db: Queryable,
  values: { clerkUserId: string; email: string | null; name: string | null },
): Promise<UserRow> {
  const [row] = await db
    .insert(users)
    .values(values)
    .onConflictDoUpdate({
      target: users.clerkUserId,
      set: {
        email: sql`coalesce(excluded.email, ${users.email})`,
        name: sql`coalesce(excluded.name, ${users.name})`,
        updatedAt: sql`now()`,
      },
    })
    .returning();
  return row!;
}

export async function findMembershipRole(db: Queryable, workspaceId: string, userId: string): Promise<WorkspaceRole | null> {
  const [row] = await db
    .select({ role: workspaceMembers.role })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
    .limit(1);
  return row?.role ?? null;
}

/** Revokes every live key its user created in the workspace; returns the revoked keys' hashes. */
export async function revokeKeysCreatedBy(db: Queryable, workspaceId: string, userId: string): Promise<string[]> {
  const revoked = await db
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.createdByUserId, userId), isNull(apiKeys.revokedAt)))
    .returning({ keyHash: apiKeys.keyHash });
  return revoked.map((r) => r.keyHash);
}

export async function touchApiKey(db: Queryable, id: string): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: sql`now()` }).where(eq(apiKeys.id, id));
}

export async function insertApiKey(db: Queryable, values: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  const [row] = await db.insert(apiKeys).values(values).returning();
  return row!;
}

export async function listApiKeys(db: Queryable, workspaceId: string): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.workspaceId, workspaceId)).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

/** Revokes a key of this workspace; undefined when there is none (another workspace's key included). */
export async function revokeApiKey(db: Queryable, workspaceId: string, id: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.workspaceId, workspaceId)))
    .returning();
  return row;
}

export async function insertWorkspace(db: Queryable, values: typeof workspaces.$inferInsert): Promise<WorkspaceRow> {
  const [row] = await db.insert(workspaces).values(values).returning();
  return row!;
}

export async function slugTaken(db: Queryable, slug: string): Promise<boolean> {
  const [row] = await db.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.slug, slug)).limit(1);
  return Boolean(row);
}

export async function insertMembership(
  db: Queryable,
  values: { workspaceId: string; userId: string; role: WorkspaceRole },
): Promise<boolean> {
  const inserted = await db.insert(workspaceMembers).values(values).onConflictDoNothing().returning({ userId: workspaceMembers.userId });
  return inserted.length > 0;
}

export async function listWorkspacesOfUser(db: Queryable, userId: string) {
  return db
    .select({ id: workspaces.id, name: workspaces.name, slug: workspaces.slug, role: workspaceMembers.role, createdAt: workspaces.createdAt })
    .from(workspaceMembers)
    .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
    .where(eq(workspaceMembers.userId, userId))
    .orderBy(asc(workspaces.name), asc(workspaces.id));
}

export async function listMembers(db: Queryable, workspaceId: string) {
  return db
    .select({ userId: users.id, clerkUserId: users.clerkUserId, email: users.email, name: users.name, role: workspaceMembers.role, joinedAt: workspaceMembers.createdAt })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .where(eq(workspaceMembers.workspaceId, workspaceId))
    .orderBy(asc(workspaceMembers.createdAt), asc(users.id));
}

export async function findUserByIdOrEmail(db: Queryable, ref: { userId?: string; email?: string }): Promise<UserRow | undefined> {
  const condition = ref.userId ? eq(users.id, ref.userId) : sql`lower(${users.email}) = lower(${ref.email ?? ""})`;
  const [row] = await db.select().from(users).where(condition).limit(1);
  return row;
}

export async function deleteMembership(db: Queryable, workspaceId: string, userId: string): Promise<boolean> {
  const deleted = await db
    .delete(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
    .returning({ userId: workspaceMembers.userId });
  return deleted.length > 0;
}

/**
 * Owners of a workspace, read after locking the workspace row, so that membership changes in one
 * workspace run one at a time: two concurrent removals cannot both leave it ownerless, and, since
 * each such transaction takes this one lock first, they cannot deadlock each other (locking the
 * owner rows themselves did, under concurrent role changes). FOR NO KEY UPDATE leaves inserts that
 * reference the workspace (installs, keys: FOR KEY SHARE) free to proceed.
 */
export async function lockOwners(db: Queryable, workspaceId: string): Promise<string[]> {
  await db.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.id, workspaceId)).for("no key update");
  const rows = await db
    .select({ userId: workspaceMembers.userId })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.role, "owner")))
    .orderBy(asc(workspaceMembers.userId));
  return rows.map((r) => r.userId);
}

export async function listUsers(db: Queryable, opts: { search?: string; limit: number; offset: number }) {
  const pattern = opts.search ? `%${opts.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  const where = pattern
    ? or(ilike(users.email, pattern), ilike(users.name, pattern), ilike(users.clerkUserId, pattern))
    : undefined;
  const [rows, [total]] = await Promise.all([
    db.select().from(users).where(where).orderBy(asc(users.createdAt), asc(users.id)).limit(opts.limit).offset(opts.offset),
    db.select({ n: count() }).from(users).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}



/** Opens an invitation, or updates the role and inviter of the open one for that address. */
export async function upsertInvitation(
  db: Queryable,
  values: { workspaceId: string; email: string; role: WorkspaceRole; invitedByUserId: string },
): Promise<void> {
  await db
    .insert(workspaceInvitations)
    .values(values)
    .onConflictDoUpdate({
      target: [workspaceInvitations.workspaceId, workspaceInvitations.email],
      set: { role: values.role, invitedByUserId: values.invitedByUserId, updatedAt: sql`now()` },
    });
}

/** Open invitations addressed to `email` (lower-cased), with the inviting workspace's name. */
export async function listInvitationsForEmail(db: Queryable, email: string) {
  return db
    .select({
      id: workspaceInvitations.id,
      workspaceId: workspaces.id,
      workspaceName: workspaces.name,
      role: workspaceInvitations.role,
      createdAt: workspaceInvitations.createdAt,
    })
    .from(workspaceInvitations)
    .innerJoin(workspaces, eq(workspaces.id, workspaceInvitations.workspaceId))
    .where(eq(workspaceInvitations.email, email))
    .orderBy(desc(workspaceInvitations.createdAt), asc(workspaceInvitations.id));
}

/** Deletes the invitation if it is addressed to `email`, returning it; undefined otherwise. */
export async function takeInvitation(db: Queryable, id: string, email: string) {
  const [row] = await db
    .delete(workspaceInvitations)
    .where(and(eq(workspaceInvitations.id, id), eq(workspaceInvitations.email, email)))
    .returning();
  return row;
}

export async function updateMembershipRole(db: Queryable, workspaceId: string, userId: string, role: WorkspaceRole): Promise<void> {
  await db
    .update(workspaceMembers)
    .set({ role, updatedAt: sql`now()` })
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
}
