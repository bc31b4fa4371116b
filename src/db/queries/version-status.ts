import { and, eq, inArray, sql } from "drizzle-orm";
import type { Queryable } from "../client";
import { agentAssignedPlugins, items, itemVersions, marketplacePlugins, pluginVersions, workspaceEnabledPlugins } from "../schema";
import type { VersionStatus } from "../../domain/version-status";

/** What a status change writes on the version row (design.md §33). */
export interface VersionStatusValues {
  status: VersionStatus;
  statusMessage: string | null;
  statusPrevious: VersionStatus | null;
  statusActorType: "user" | "api_key" | "system";
  statusActorId: string | null;
  replacementItemId: string | null;
}

export async function writeItemVersionStatus(tx: Queryable, versionId: string, values: VersionStatusValues) {
  await tx.update(itemVersions).set({ ...values, statusChangedAt: sql`now()` }).where(eq(itemVersions.id, versionId));
}

export async function writePluginVersionStatus(tx: Queryable, versionId: string, values: VersionStatusValues) {
  await tx.update(pluginVersions).set({ ...values, statusChangedAt: sql`now()` }).where(eq(pluginVersions.id, versionId));
}

/** A visible item (not removed, some approved version active, deprecated or yanked) of a type: what a replacement must be. */
export async function visibleItemOfType(db: Queryable, id: string, type: string) {
  const [row] = await db
    .select({ id: items.id })
    .from(items)
    .where(and(eq(items.id, id), eq(items.type, type), sql`${items.ownerType} = 'marketplace'`, sql`${items.isApproved}`))
    .limit(1);
  return row;
}

/**
 * Removes every enablement pinned to a plugin version and, in those workspaces, the plugin's agent
 * assignments; lowers `enable_count` by the enablements removed (a revoke, design.md §23).
 */
export async function detachPinnedTo(tx: Queryable, pluginId: string, pluginVersionId: string): Promise<{ workspaceIds: string[]; agents: number }> {
  const removed = await tx
    .delete(workspaceEnabledPlugins)
    .where(and(eq(workspaceEnabledPlugins.pluginId, pluginId), eq(workspaceEnabledPlugins.pluginVersionId, pluginVersionId)))
    .returning({ workspaceId: workspaceEnabledPlugins.workspaceId });
  const workspaceIds = removed.map((r) => r.workspaceId).sort();
  if (!workspaceIds.length) return { workspaceIds, agents: 0 };
  const unassigned = await tx
    .delete(agentAssignedPlugins)
    .where(
      and(
        eq(agentAssignedPlugins.pluginId, pluginId),
        inArray(agentAssignedPlugins.agentId, tx.select({ id: items.id }).from(items).where(and(inArray(items.workspaceId, workspaceIds), eq(items.type, "agent")))),
      ),
    )
    .returning({ agentId: agentAssignedPlugins.agentId });
  await tx
    .update(marketplacePlugins)
    .set({ enableCount: sql`greatest(${marketplacePlugins.enableCount} - ${workspaceIds.length}, 0)` })
    .where(eq(marketplacePlugins.id, pluginId));
  return { workspaceIds, agents: unassigned.length };
}

/** The skills materialised from a plugin version, each with its item version of the same number (design.md §36). */
export function materialisedSkillVersions(db: Queryable, pluginVersionId: string, version: string) {
  return db
    .select({ itemId: items.id, versionId: itemVersions.id, version: itemVersions.version, status: itemVersions.status, reviewStatus: itemVersions.reviewStatus })
    .from(items)
    .innerJoin(itemVersions, and(eq(itemVersions.itemId, items.id), eq(itemVersions.version, version)))
    .where(and(eq(items.type, "skill"), eq(items.sourcePluginVersionId, pluginVersionId)));
}
