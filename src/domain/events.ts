/**
 * The one registry of catalog events (design.md §24, §30, §31): every type the outbox
 * (`catalog_events`) may hold, and who may read it.
 * - `public`: catalog facts any authenticated caller may read (feed, webhooks);
 * - `workspace`: facts of one workspace; the row carries its `workspace_id` (a fact that concerns
 *   N workspaces writes N rows);
 * - `admin`: moderation-only facts, never in the feed or webhooks.
 * The schema's CHECK on `catalog_events.type` and `audience` is built from this table.
 */
export const EVENT_AUDIENCES = ["public", "workspace", "admin"] as const;
export type EventAudience = (typeof EVENT_AUDIENCES)[number];

export const EVENT_TYPES = {
  "item.approved": "public",
  "item.listed_version_changed": "public",
  "item.removed": "public",
  "item.featured": "public",
  "item.unfeatured": "public",
  "plugin.approved": "public",
  "plugin.listed_version_changed": "public",
  "plugin.deactivated": "public",
  "plugin.reactivated": "public",
  "plugin.deleted": "public",
  "version.deprecated": "public",
  "version.yanked": "public",
  "version.activated": "public",
  "version.quarantined": "public",
  "version.released": "public",
  "version.revoked": "public",
  "submission.rejected": "workspace",
  "moderation.action": "workspace",
  "install.created": "workspace",
  "install.removed": "workspace",
  "update.applied": "workspace",
  "update.failed": "workspace",
  "update.rolled_back": "workspace",
  "plugin.enabled": "workspace",
  "plugin.disabled": "workspace",
  "plugin.pin_updated": "workspace",
  "report.resolved": "workspace",
  "webhook.disabled": "workspace",
  "report.filed": "admin",
  "appeal.filed": "admin",
} as const satisfies Record<string, EventAudience>;

export type EventType = keyof typeof EVENT_TYPES;

/** The audience of an event type. */
export const audienceOf = (type: EventType): EventAudience => EVENT_TYPES[type];

/**
 * One event to append. `workspaceId` is required for workspace events and never set on others
 * (the table's CHECK agrees); `data` is the small JSON payload feed entries and webhook bodies carry
 * (`{id, type, timestamp, data}`), at most a few hundred bytes: ids, versions, statuses.
 */
export interface CatalogEvent {
  type: EventType;
  itemId?: string | null;
  pluginId?: string | null;
  workspaceId?: string | null;
  data: Record<string, unknown>;
}

/** The `version.*` event type of a status change (design.md §31): `release` is leaving quarantine. */
export function versionEventType(to: string, from: string): EventType {
  if (from === "quarantined" && to !== "revoked") return "version.released";
  switch (to) {
    case "deprecated":
      return "version.deprecated";
    case "yanked":
      return "version.yanked";
    case "quarantined":
      return "version.quarantined";
    case "revoked":
      return "version.revoked";
    default:
      return "version.activated";
  }
}
