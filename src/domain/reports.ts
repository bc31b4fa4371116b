import { forbiddenCharacter, normalizeText } from "./text";
import type { VersionStatus } from "./version-status";

/**
 * Abuse and malware reports, moderation actions and appeals (issue 29; design.md §45, §46, §37).
 * The vocabularies here are shared by the schema's CHECKs, the routes' enums and the services.
 *
 * Reports never act by count alone (the lesson of ClawHub's auto-hide advisory): a report only puts
 * a subject in the admins' queue; every action is an admin's resolve.
 */

/** Why a subject is reported; `other` needs `details`. */
export const REPORT_REASONS = ["malware", "credential_theft", "prompt_injection", "impersonation", "spam", "broken", "license", "other"] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** Reasons that put a group in the queue's first tier (issue 29 item 2). */
export const PRIORITY_REASONS: readonly ReportReason[] = ["malware", "credential_theft"];

/** A report is open until an admin's resolve closes it (with every other open report on its subject and version). */
export const REPORT_STATUSES = ["open", "resolved"] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** What is reported: a marketplace item or a plugin. */
export const REPORT_SUBJECT_TYPES = ["item", "plugin"] as const;
export type ReportSubjectType = (typeof REPORT_SUBJECT_TYPES)[number];

/**
 * What an admin's resolve does (design.md §46): `dismiss` changes nothing; `remove` is the item soft
 * delete of design.md §5 (for plugins: deactivation); the others set a version status through the
 * one status service.
 */
export const MODERATION_ACTIONS = ["dismiss", "deprecate", "yank", "quarantine", "release", "revoke", "remove"] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

/** Actions that need `subject.version` (400 `version_required`, design.md §46). */
export const VERSION_ACTIONS: readonly ModerationAction[] = ["deprecate", "yank", "quarantine", "release", "revoke"];

/** The status each version action sets; `release` restores what the quarantine interrupted (design.md §33). */
export const ACTION_STATUS: Partial<Record<ModerationAction, VersionStatus>> = {
  deprecate: "deprecated",
  yank: "yanked",
  quarantine: "quarantined",
  revoke: "revoked",
};

/**
 * Actions a publisher may appeal, once each (design.md §37). `dismiss` took nothing away; `remove`
 * returned the item to its publisher's workspace, where a new submission starts a new review.
 */
export const APPEALABLE_ACTIONS: readonly ModerationAction[] = ["deprecate", "yank", "quarantine", "revoke"];

/** An appeal is open until an admin's resolve on its subject and version answers it. */
export const APPEAL_STATUSES = ["open", "answered"] as const;
export type AppealStatus = (typeof APPEAL_STATUSES)[number];

/** Longest `details` of a report, `note` of a resolve and `message` of an appeal, in characters. */
export const REPORT_TEXT_MAX = 2000;

/** Open reports one workspace may hold at once (issue 29 item 1: the 21st is 429 `report_limit`). */
export const OPEN_REPORTS_PER_WORKSPACE = 20;

/** Retry-After of `report_limit`, in seconds: open reports close at the moderators' pace, so an hour, not a minute. */
export const REPORT_LIMIT_RETRY_AFTER_S = 3600;

/** After a dismiss, the dismissed reporters may report the same subject and version again only after this many days, or once it changed (design.md §45). */
export const DISMISS_COOLDOWN_DAYS = 30;

/**
 * A report's details, a resolve's note or an appeal's message as stored: NFC, spaces collapsed and
 * trimmed per line (src/domain/text.ts); `multiline` keeps line breaks (a report may quote a bundle's
 * lines), else the text is one line. Null when blank.
 */
export function normalizedReportText(text: string | null | undefined, multiline: boolean): string | null {
  if (text == null) return null;
  const lines = multiline ? text.replace(/\r\n?/g, "\n").split("\n").map(normalizeText) : [normalizeText(text)];
  const joined = lines.join("\n").replace(/^\n+|\n+$/g, "");
  return joined ? joined : null;
}

/**
 * Why such a text cannot be stored, or null: longer than `REPORT_TEXT_MAX` characters, or holding a
 * control, zero-width or bidi character (a note is shown to other tenants and in the CLI, where a
 * terminal escape could fake output). Line breaks pass only in `multiline` text.
 */
export function reportTextRefusal(text: string, multiline: boolean): string | null {
  if (text.length > REPORT_TEXT_MAX) return `must be at most ${REPORT_TEXT_MAX} characters`;
  for (const line of multiline ? text.split("\n") : [text]) {
    const found = forbiddenCharacter(line);
    if (found) return `must not contain control, format (zero-width) or bidirectional characters (found ${found})`;
  }
  return null;
}
