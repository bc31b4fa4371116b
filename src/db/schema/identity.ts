import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, isSlug, oneOf, updatedAt } from "./columns";

export const SYSTEM_ROLES = ["user", "admin", "super_admin"] as const;
export const WORKSPACE_ROLES = ["owner", "admin", "editor", "viewer"] as const;

export const users = pgTable(
  "users",
  {
    id: id(),
    // Clerk's `sub`; email and name are optional claims (design.md §11).
    clerkUserId: text("clerk_user_id").notNull(),
    email: text("email"),
    name: text("name"),
    // Lives only in the database, never read from a token.
    systemRole: text("system_role").$type<(typeof SYSTEM_ROLES)[number]>().notNull().default("user"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("users_clerk_user_id_key").on(t.clerkUserId),
    index("users_email_idx").on(sql`lower(${t.email})`),
    check("users_system_role_check", oneOf(t.systemRole, SYSTEM_ROLES)),
  ],
);

export const workspaces = pgTable(
  "workspaces",
  {
    id: id(),
    // The display name doubles as the public creator name in the catalog (design.md §11).
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("workspaces_slug_key").on(t.slug),
    check("workspaces_slug_check", isSlug(t.slug)),
    check("workspaces_name_check", sql`length(${t.name}) between 1 and 200`),
  ],
);

export const workspaceMembers = pgTable(
  "workspace_members",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").$type<(typeof WORKSPACE_ROLES)[number]>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ name: "workspace_members_pkey", columns: [t.workspaceId, t.userId] }),
    index("workspace_members_user_idx").on(t.userId),
    check("workspace_members_role_check", oneOf(t.role, WORKSPACE_ROLES)),
  ],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    // The recognisable start of the key, safe to show in listings.
    prefix: text("prefix").notNull(),
    // SHA-256 (hex) of the whole key; the secret itself is never stored.
    keyHash: text("key_hash").notNull(),
    scopes: text("scopes").array().notNull(),
    // NULL means the deployment default (design.md §14).
    rateLimitPerMinute: integer("rate_limit_per_minute"),
    // Keys outlive their creator until revoked (design.md §12).
    createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdByApiKeyId: uuid("created_by_api_key_id"),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("api_keys_key_hash_key").on(t.keyHash),
    index("api_keys_workspace_idx").on(t.workspaceId, t.createdAt),
    check("api_keys_hash_check", sql`${t.keyHash} ~ '^[0-9a-f]{64}$'`),
    check("api_keys_rate_limit_check", sql`${t.rateLimitPerMinute} is null or ${t.rateLimitPerMinute} > 0`),
    check("api_keys_name_check", sql`length(${t.name}) between 1 and 200`),
  ],
);

/**
 * Membership offered by e-mail, pending until the user with that address accepts it (issue 10,
 * item 8: adding by e-mail answers the same whether or not an account exists, so it cannot reveal
 * one). One open invitation per address and workspace; accepting deletes it.
 */
export const workspaceInvitations = pgTable(
  "workspace_invitations",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    // Stored lower-cased: addresses are matched case-insensitively.
    email: text("email").notNull(),
    role: text("role").$type<(typeof WORKSPACE_ROLES)[number]>().notNull(),
    invitedByUserId: uuid("invited_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("workspace_invitations_workspace_email_key").on(t.workspaceId, t.email),
    index("workspace_invitations_email_idx").on(t.email),
    check("workspace_invitations_role_check", oneOf(t.role, WORKSPACE_ROLES)),
    check("workspace_invitations_email_check", sql`${t.email} = lower(${t.email}) and length(${t.email}) between 3 and 320`),
  ],
);
