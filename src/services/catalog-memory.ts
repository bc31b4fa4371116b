import type { WorkspaceRole } from "../db/queries/identity";
import { isolateCaches } from "../lib/isolate-caches";
import type { Principal } from "./auth/principal";
import type { StoredResponse } from "./catalog-cache";
import { ContextMemory } from "./plugins/context-memory";

/**
 * The isolate-memory tier of catalog reads for signed-in users (design.md §26, §32, §54; issue 32
 * item 3). A Clerk session token is verified locally, so a catalog page for a JWT caller can be
 * answered with no network round trip at all while this isolate's copy of the catalog generation
 * is younger than CATALOG_FRESHNESS_MS (default 1,000 ms; 0 turns the tier off). Past the bound,
 * the request's one Upstash request (services/hot-path.ts) refreshes the generation and the
 * caller's principal snapshot together.
 *
 * What the isolate keeps, all bounded:
 * - its copy of the catalog generation (the token in Redis, catalog-cache.ts) and when it was read;
 * - principal snapshots `{user_id, system_role, workspace_roles}` by the token's `sub`, each no older
 *   than the bound when served (SNAPSHOTS_MAX entries, least recently used dropped first). A
 *   snapshot with a platform-admin role is never kept, so admins always take the round trip;
 * - catalog bodies by page key, under the generation they were built in (PAGE_MEMORY_BYTES, LRU by
 *   size, the assembled-context memory tier's class).
 * API keys never read this tier: their request checks revocation in Redis every time (§12).
 *
 * Any write this isolate handles discards its generation copy and every snapshot, before and after
 * the write (forgetCatalogMemory: the access gate for every non-GET request, and
 * `invalidateCatalog` for every write that replaces the generation, background jobs included), so
 * an isolate always reads its own writes; another isolate's write is seen within the bound.
 * A taken-down version may therefore stay on a catalog page for at most CATALOG_FRESHNESS_MS (§29);
 * install, content and assembled contexts never use this tier.
 *
 * Isolate scope on purpose: the tier exists to outlive a request. It holds strings and plain
 * objects only (no I/O objects), and every entry is served only under the rules above.
 */
export const DEFAULT_CATALOG_FRESHNESS_MS = 1_000;
/** The longest bound accepted: a catalog response may be a minute old anyway (its max-age). */
const MAX_CATALOG_FRESHNESS_MS = 60_000;
/** Principal snapshots held at most (about 0.5 KB each). */
export const SNAPSHOTS_MAX = 5_000;
/** Bytes of catalog bodies held at most (UTF-16 code units × 2). */
export const PAGE_MEMORY_BYTES = 8 * 1024 * 1024;

/**
 * CATALOG_FRESHNESS_MS: an integer 0–60,000 (0 turns the memory tier off); anything else, or unset,
 * gives DEFAULT_CATALOG_FRESHNESS_MS.
 */
export function catalogFreshnessMs(configured: string | undefined): number {
  const parsed = Number(configured);
  return configured !== undefined && configured.trim() !== "" && Number.isInteger(parsed) && parsed >= 0 && parsed <= MAX_CATALOG_FRESHNESS_MS
    ? parsed
    : DEFAULT_CATALOG_FRESHNESS_MS;
}

interface Snapshot {
  principal: Principal & { kind: "user" };
  /** Roles in the workspaces this user named, as read with the snapshot (null: not a member). */
  workspaceRoles: Map<string, WorkspaceRole | null>;
  /** When it was read (ms since the epoch). */
  readAt: number;
}

/** What a request served from memory gets: who, the role in the named workspace, and the page. */
export interface MemoryRead {
  principal: Principal & { kind: "user" };
  membership?: WorkspaceRole | null;
  generation: string;
  stored: StoredResponse;
}

const isAdmin = (principal: Principal) => principal.kind === "user" && (principal.user.systemRole === "admin" || principal.user.systemRole === "super_admin");

export class CatalogMemory {
  private generation: { token: string; readAt: number } | null = null;
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly pages = new ContextMemory(PAGE_MEMORY_BYTES);

  constructor(private readonly maxSnapshots = SNAPSHOTS_MAX) {}

  /** Snapshots held now. */
  get snapshotCount(): number {
    return this.snapshots.size;
  }

  /** Bytes of bodies held now. */
  get pageBytes(): number {
    return this.pages.size;
  }

  /** The generation as just read from Redis (any caller's round trip refreshes the copy). */
  noteGeneration(token: string, now = Date.now()): void {
    this.generation = { token, readAt: now };
  }

  /**
   * A signed-in user's principal as just read (cached in Redis or loaded), with their role in the
   * workspace the request named. Admins are never kept (design.md §32), and a stale admin snapshot is dropped.
   */
  rememberPrincipal(sub: string, principal: Principal, workspace: { id: string; role: WorkspaceRole | null } | undefined, now = Date.now()): void {
    if (principal.kind !== "user" || isAdmin(principal)) {
      this.snapshots.delete(sub);
      return;
    }
    // Only what this request read: a role is never older than the snapshot that carries it.
    const roles = new Map<string, WorkspaceRole | null>();
    if (workspace) roles.set(workspace.id, workspace.role);
    this.snapshots.delete(sub);
    this.snapshots.set(sub, { principal, workspaceRoles: roles, readAt: now });
    if (this.snapshots.size > this.maxSnapshots) this.snapshots.delete(this.snapshots.keys().next().value!);
  }

  /** A catalog body built (or read from Redis) in `generation`. */
  rememberPage(key: string, stored: StoredResponse): void {
    this.pages.set(key, stored.generation, `${stored.etag}\n${stored.body}`);
  }

  /**
   * The page `key` for the user `sub`, with no round trip, when every rule holds at `now`: the
   * generation copy and the snapshot are both younger than `freshnessMs`, the snapshot knows the
   * role in `workspaceId` (when named), and a body of that generation is held. Otherwise undefined
   * (the caller takes its one round trip, which refreshes both).
   */
  read(sub: string, key: string, workspaceId: string | undefined, freshnessMs: number, now = Date.now()): MemoryRead | undefined {
    if (freshnessMs <= 0 || !this.generation || now - this.generation.readAt >= freshnessMs) return undefined;
    const snapshot = this.snapshots.get(sub);
    if (!snapshot || now - snapshot.readAt >= freshnessMs) return undefined;
    if (workspaceId && !snapshot.workspaceRoles.has(workspaceId)) return undefined;
    const held = this.pages.get(key, this.generation.token);
    if (held === undefined) return undefined;
    const cut = held.indexOf("\n");
    const read: MemoryRead = {
      principal: snapshot.principal,
      generation: this.generation.token,
      stored: { generation: this.generation.token, etag: held.slice(0, cut), body: held.slice(cut + 1) },
    };
    if (workspaceId) read.membership = snapshot.workspaceRoles.get(workspaceId)!;
    return read;
  }

  /** Drops the generation copy and every snapshot (a write: the next read takes its round trip). */
  forget(): void {
    this.generation = null;
    this.snapshots.clear();
  }

  /** Drops everything, bodies included (a fresh isolate). */
  clear(): void {
    this.forget();
    this.pages.clear();
  }
}

// Isolate scope on purpose (see the module comment): one tier per isolate.
const isolateMemory = new CatalogMemory();
isolateCaches.register("catalog memory tier", () => isolateMemory.clear());

/** The isolate's catalog memory tier. */
export function catalogMemory(): CatalogMemory {
  return isolateMemory;
}

/** A write is being handled (or was): this isolate's copies of the generation and of every snapshot go. */
export function forgetCatalogMemory(): void {
  isolateMemory.forget();
}
