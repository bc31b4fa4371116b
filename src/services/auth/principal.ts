import type { ApiKeyScope } from "../../lib/access";
import type { UserRow, WorkspaceRole } from "../../db/queries/identity";

export type Principal =
  | { kind: "user"; user: UserRow }
  | {
      kind: "api_key";
      key: {
        id: string;
        workspaceId: string;
        scopes: ApiKeyScope[];
        rateLimitPerMinute: number | null;
        expiresAt: Date | null;
        createdByUserId: string | null;
        /**
         * The keys above this one (the key that minted it, that key's minter, …), nearest first:
         * each one's rate-limit subject (`apiKeyRateSubject`) and limit (null: the default). Every
         * request of this key also counts against each of them (services/hot-path.ts).
         */
        ancestors: KeyLineageEntry[];
      };
    };

/**
 * How many keys a key's lineage holds above it at most: a key with this many ancestors cannot mint
 * keys (services/api-keys.ts), so each request counts in at most 1 + this many windows.
 */
export const MAX_KEY_ANCESTORS = 4;

/** One key of a lineage, as the rate limiter sees it. */
export interface KeyLineageEntry {
  subject: string;
  limit: number | null;
}

/** The workspace a request acts in, and the caller's role there (null for an API key, which has scopes). */
export interface WorkspaceContext {
  id: string;
  role: WorkspaceRole | null;
}

export interface Actor {
  actorType: "user" | "api_key";
  actorId: string;
}

/** A background job (design.md §44): audit rows say `system` with `details.job`. */
export interface SystemActor {
  actorType: "system";
  actorId: null;
}

/** Whoever writes: a user, an API key or a background job. */
export type AnyActor = Actor | SystemActor;

export function actorOf(principal: Principal): Actor {
  return principal.kind === "user"
    ? { actorType: "user", actorId: principal.user.id }
    : { actorType: "api_key", actorId: principal.key.id };
}

export function isPlatformAdmin(principal: Principal): boolean {
  return principal.kind === "user" && (principal.user.systemRole === "admin" || principal.user.systemRole === "super_admin");
}

const ROLE_RANK: Record<WorkspaceRole, number> = { viewer: 1, editor: 2, admin: 3, owner: 4 };

export function roleAtLeast(role: WorkspaceRole | null, required: WorkspaceRole): boolean {
  return role !== null && ROLE_RANK[role] >= ROLE_RANK[required];
}

/** For routes declared `scope: null` the gate has already refused API keys; this narrows the type. */
export function requireUser(principal: Principal) {
  if (principal.kind !== "user") throw new Error("route reached without a user principal");
  return principal.user;
}

/** For workspace-scoped routes the gate has already resolved the workspace; this narrows the type. */
export function requireWorkspace(workspace: WorkspaceContext | null): WorkspaceContext {
  if (!workspace) throw new Error("workspace-scoped route reached without a workspace");
  return workspace;
}
