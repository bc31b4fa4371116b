import { forbiddenCharacter, forbiddenMessage, normalizeText } from "./text";

/**
 * What a version of an item or plugin can be (design.md §23, §33): its review outcome, and its
 * status after approval. The database schema imports these vocabularies; the transition rules of
 * §33 live here so the status service and any adapter apply the same ones.
 */

/** The review outcome of a submitted (item) or uploaded (plugin) version. */
export const REVIEW_STATUSES = ["pending", "approved", "rejected"] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/**
 * The status of an approved version (design.md §23; widens §2's lifecycle):
 * - `active`: listed when highest, installable, offered as an update;
 * - `deprecated`: as active, with a notice (message, optional replacement item);
 * - `yanked`: never listed, offered or picked by default; existing copies keep working;
 * - `quarantined`: hidden from everyone but admins (and the publisher); reversible by an admin;
 * - `revoked`: as quarantined, final; enablements pinned to it are removed.
 */
export const VERSION_STATUSES = ["active", "deprecated", "yanked", "quarantined", "revoked"] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** Statuses a publisher may set, and move between (design.md §33). */
export const PUBLISHER_STATUSES: readonly VersionStatus[] = ["active", "deprecated", "yanked"];
/** Statuses a listed version may have: the version is shown and installable (design.md §34). */
export const LISTABLE_STATUSES: readonly VersionStatus[] = ["active", "deprecated"];
/** Statuses that keep an item or plugin visible to non-admins (design.md §34). */
export const VISIBLE_STATUSES: readonly VersionStatus[] = ["active", "deprecated", "yanked"];
/** Statuses a context may still include and content may still serve (design.md §34). */
export const SERVABLE_STATUSES: readonly VersionStatus[] = VISIBLE_STATUSES;
/** Statuses that need a message (design.md §33). */
export const MESSAGE_REQUIRED: readonly VersionStatus[] = ["deprecated", "yanked", "quarantined", "revoked"];
/** Statuses that may name a replacement item (design.md §33). */
export const REPLACEMENT_ALLOWED: readonly VersionStatus[] = ["deprecated", "yanked"];

/** The longest status message, in characters (UTF-16 code units, as zod and JavaScript count them). */
export const STATUS_MESSAGE_MAX = 2000;

/**
 * Why a status message cannot be stored, or null. A message is shown to other tenants (detail,
 * install answers, the installed list, the CLI, the public event payload), so it follows the rule
 * of every user-visible text (src/domain/text.ts): no control characters (a terminal escape could
 * fake a CLI's output), no zero-width, bidi or other invisible characters; one line.
 */
export function statusMessageRefusal(message: string): string | null {
  return forbiddenCharacter(message) ? forbiddenMessage(message) : null;
}

/** The message as stored: NFC, runs of spaces collapsed, trimmed (src/domain/text.ts); null when blank. */
export function normalizedStatusMessage(message: string | null | undefined): string | null {
  const text = message == null ? "" : normalizeText(message);
  return text ? text : null;
}

/** Who asks for a status change: the publisher workspace, a platform admin, or a background job (quarantine only, §44). */
export type StatusRequester = "publisher" | "admin" | "system";

/** Why a transition is refused: the problem code and status the route answers with. */
export interface TransitionRefusal {
  status: 400 | 403 | 409;
  code: "invalid_transition" | "admin_required" | "message_required" | "invalid_replacement";
  detail: string;
}

/**
 * Whether `requester` may move an approved version from `from` to `to` (design.md §33). Publishers
 * move only among active, deprecated and yanked, and only from one of those (from quarantined or
 * revoked: 409 `invalid_transition`; to them: 403 `admin_required`). Admins may also quarantine
 * from active, deprecated or yanked, move a quarantined version anywhere but quarantined, and
 * revoke from any status but revoked. Nothing leaves revoked. A background job may only
 * quarantine. Setting the status a version already has is 409 `invalid_transition`.
 * Returns null when allowed.
 */
export function transitionRefusal(requester: StatusRequester, from: VersionStatus, to: VersionStatus): TransitionRefusal | null {
  const illegal = (detail: string): TransitionRefusal => ({ status: 409, code: "invalid_transition", detail });
  if (from === "revoked") return illegal("A revoked version is final; its status can no longer change.");
  if (from === to) return illegal(`The version is already ${to}.`);
  if (requester === "system") return to === "quarantined" && from !== "quarantined" ? null : { status: 403, code: "admin_required", detail: "A background job may only quarantine." };
  if (requester === "publisher") {
    if (!PUBLISHER_STATUSES.includes(to)) return { status: 403, code: "admin_required", detail: `Only a platform admin can set a version ${to}.` };
    if (!PUBLISHER_STATUSES.includes(from)) return illegal(`The version is ${from}; only a platform admin can change it.`);
    return null;
  }
  return null;
}
