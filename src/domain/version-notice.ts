import type { VersionStatus } from "./version-status";

/**
 * What a reader is told about a version's status (design.md §31, §33, §35): the publisher's
 * message for deprecated and yanked versions, and the replacement item they name. A quarantine or
 * revoke reason is a moderation note: never shown here (the status alone is the safety signal).
 */

/**
 * The publisher's notice on a deprecated version: `message` and `replacement`, the id of the item to
 * move to (null when none was named or it is no longer visible in the catalog).
 */
export interface DeprecationNotice {
  message: string;
  replacement: string | null;
}

const NOTICE_STATUSES: readonly VersionStatus[] = ["deprecated", "yanked"];

/** The message a reader may see for a status: the stored one for deprecated and yanked, else null. */
export function shownStatusMessage(status: VersionStatus, message: string | null): string | null {
  return NOTICE_STATUSES.includes(status) ? message : null;
}

/**
 * The reader-facing status fields of a version: `status_message` (deprecated and yanked only),
 * `replacement` (the same statuses: the replacement item's id; null when none was named or it is
 * no longer visible) and `deprecation` (`{message, replacement}` for a deprecated version, else null).
 */
export function statusNotice(status: VersionStatus, message: string | null, replacement: string | null) {
  const shown = NOTICE_STATUSES.includes(status);
  return {
    status_message: shown ? message : null,
    replacement: shown ? replacement : null,
    deprecation: status === "deprecated" ? ({ message: message ?? "", replacement } satisfies DeprecationNotice) : null,
  };
}
