import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Queryable } from "../client";
import { items, itemVersions, marketplacePlugins, pluginVersions } from "../schema";
import type { VersionStatus } from "../../domain/version-status";

/** One approved version, as the batch status call reads it (design.md §35). */
export interface ApprovedVersionRow {
  /** The item or plugin id. */
  ownerId: string;
  version: string;
  status: VersionStatus;
  statusMessage: string | null;
  /** Set only when the replacement is itself a visible marketplace item (else null). */
  replacementItemId: string | null;
}

const replacement = alias(items, "replacement");

/**
 * Every approved version of the given marketplace items that anyone may ask about: items that
 * exist and were not removed (design.md §5), whatever their versions' statuses. One query; `ids`
 * must be UUIDs. The replacement is kept only when it is a visible marketplace item.
 */
export async function approvedItemVersions(db: Queryable, ids: string[]): Promise<ApprovedVersionRow[]> {
  if (!ids.length) return [];
  const rows = await db
    .select({
      ownerId: itemVersions.itemId,
      version: itemVersions.version,
      status: itemVersions.status,
      statusMessage: itemVersions.statusMessage,
      replacementItemId: replacement.id,
    })
    .from(itemVersions)
    .innerJoin(items, eq(items.id, itemVersions.itemId))
    .leftJoin(
      replacement,
      and(eq(replacement.id, itemVersions.replacementItemId), sql`${replacement.ownerType} = 'marketplace'`, isNull(replacement.removedAt), sql`${replacement.isApproved}`),
    )
    .where(and(inArray(itemVersions.itemId, ids), sql`${items.ownerType} = 'marketplace'`, isNull(items.removedAt), eq(itemVersions.reviewStatus, "approved")));
  return rows;
}

/**
 * Every approved version of the given plugins that anyone may ask about: plugins that exist and
 * are active (a deactivated plugin is visible to admins only, design.md §34). One query; `ids` must
 * be UUIDs. Plugin versions name no replacement.
 */
export async function approvedPluginVersions(db: Queryable, ids: string[]): Promise<ApprovedVersionRow[]> {
  if (!ids.length) return [];
  const rows = await db
    .select({
      ownerId: pluginVersions.pluginId,
      version: pluginVersions.version,
      status: pluginVersions.status,
      statusMessage: pluginVersions.statusMessage,
    })
    .from(pluginVersions)
    .innerJoin(marketplacePlugins, eq(marketplacePlugins.id, pluginVersions.pluginId))
    .where(and(inArray(pluginVersions.pluginId, ids), sql`${marketplacePlugins.isActive}`, eq(pluginVersions.approvalStatus, "approved")));
  return rows.map((row) => ({ ...row, replacementItemId: null }));
}
