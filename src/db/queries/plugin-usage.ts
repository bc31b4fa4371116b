import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Queryable } from "../client";
import { agentAssignedPlugins, agentToolAssignments, items, marketplacePlugins, personas, pluginVersions, toolCatalog, workspaceEnabledPlugins } from "../schema";
import { LISTABLE_STATUSES, SERVABLE_STATUSES } from "../../domain/version-status";
import type { Permissions } from "../../domain/permissions";
import type { PluginRow, PluginVersionRow } from "./plugins";

type Actor = { actorType: "user" | "api_key"; actorId: string };

/**
 * A plugin that is active with its listed version (design.md §8, §34: what enabling pins). The
 * status service and approval keep `latest_version_id` on the listed version; the status filter
 * makes sure a yanked, quarantined or revoked version is never pinned even if they did not.
 */
export async function enableablePlugin(db: Queryable, pluginId: string): Promise<{ plugin: PluginRow; version: PluginVersionRow } | undefined> {
  const [row] = await db
    .select({ plugin: marketplacePlugins, version: pluginVersions })
    .from(marketplacePlugins)
    .innerJoin(pluginVersions, eq(pluginVersions.id, marketplacePlugins.latestVersionId))
    .where(
      and(
        eq(marketplacePlugins.id, pluginId),
        eq(marketplacePlugins.isActive, true),
        eq(pluginVersions.approvalStatus, "approved"),
        inArray(pluginVersions.status, [...LISTABLE_STATUSES]),
      ),
    )
    .limit(1);
  return row;
}

/**
 * Takes a FOR KEY SHARE lock on the plugin rows (in id order) and returns the ids that exist. Every
 * write that adds an enablement or an assignment starts here, so that it serialises with the
 * admin's deactivate, hard delete and version status changes (which hold FOR UPDATE on the row
 * from their first statement): whichever commits second sees the other's commit (issue 26 item 5).
 * KEY SHARE rather than SHARE: it still conflicts with FOR UPDATE, but not with the `enable_count`
 * UPDATE that concurrent enables of the plugin make later in their transactions (two SHARE holders
 * upgrading would deadlock), so enables in different workspaces do not wait on each other.
 */
export async function holdPlugins(db: Queryable, pluginIds: string[]): Promise<Set<string>> {
  if (!pluginIds.length) return new Set();
  const rows = await db
    .select({ id: marketplacePlugins.id })
    .from(marketplacePlugins)
    .where(inArray(marketplacePlugins.id, pluginIds))
    .orderBy(asc(marketplacePlugins.id))
    .for("key share");
  return new Set(rows.map((r) => r.id));
}

export async function insertEnablement(db: Queryable, values: typeof workspaceEnabledPlugins.$inferInsert) {
  const [row] = await db.insert(workspaceEnabledPlugins).values(values).returning();
  return row!;
}

/** `enable_count` moves in SQL, never read-modify-write (reference §2.4 did the latter). */
export async function shiftEnableCount(db: Queryable, pluginId: string, delta: 1 | -1): Promise<void> {
  await db
    .update(marketplacePlugins)
    .set({ enableCount: sql`greatest(${marketplacePlugins.enableCount} + ${delta}, 0)` })
    .where(eq(marketplacePlugins.id, pluginId));
}

/** Deletes the enablement (waiting for any assignment holding it: lockEnabledAmong); returns the row, if there was one. */
export async function deleteEnablement(db: Queryable, workspaceId: string, pluginId: string) {
  const [row] = await db
    .delete(workspaceEnabledPlugins)
    .where(and(eq(workspaceEnabledPlugins.workspaceId, workspaceId), eq(workspaceEnabledPlugins.pluginId, pluginId)))
    .returning();
  return row;
}

export async function lockEnablement(db: Queryable, workspaceId: string, pluginId: string) {
  const [row] = await db
    .select()
    .from(workspaceEnabledPlugins)
    .where(and(eq(workspaceEnabledPlugins.workspaceId, workspaceId), eq(workspaceEnabledPlugins.pluginId, pluginId)))
    .for("update")
    .limit(1);
  return row;
}

export async function repinEnablement(
  db: Queryable,
  workspaceId: string,
  pluginId: string,
  versionId: string,
  actor: Actor,
  accepted: { permissions: Permissions; hash: string },
) {
  await db
    .update(workspaceEnabledPlugins)
    .set({ pluginVersionId: versionId, acceptedPermissions: accepted.permissions, acceptedPermissionsHash: accepted.hash, ...actor })
    .where(and(eq(workspaceEnabledPlugins.workspaceId, workspaceId), eq(workspaceEnabledPlugins.pluginId, pluginId)));
}

/** Removes the plugin from every agent of this workspace; returns how many assignments went. */
export async function unassignFromWorkspaceAgents(db: Queryable, workspaceId: string, pluginId: string): Promise<number> {
  const rows = await db
    .delete(agentAssignedPlugins)
    .where(
      and(
        eq(agentAssignedPlugins.pluginId, pluginId),
        inArray(
          agentAssignedPlugins.agentId,
          db.select({ id: items.id }).from(items).where(and(eq(items.workspaceId, workspaceId), eq(items.type, "agent"))),
        ),
      ),
    )
    .returning({ agentId: agentAssignedPlugins.agentId });
  return rows.length;
}

export interface EnabledPluginRow {
  plugin: PluginRow;
  pinned: PluginVersionRow;
  /** Every version of the plugin, oldest upload first: what the update fields are computed from. */
  versions: PluginVersionRow[];
  enabledAt: Date;
  /** What the workspace consented to (design.md §42). */
  acceptedPermissions: Permissions;
  acceptedPermissionsHash: string;
}

/** The workspace's enablements with the pinned version and all the plugin's versions, newest enablement first (two queries). */
export async function enabledPluginsOf(db: Queryable, workspaceId: string): Promise<EnabledPluginRow[]> {
  const rows = await db
    .select({
      enabledAt: workspaceEnabledPlugins.enabledAt,
      acceptedPermissions: workspaceEnabledPlugins.acceptedPermissions,
      acceptedPermissionsHash: workspaceEnabledPlugins.acceptedPermissionsHash,
      plugin: marketplacePlugins,
      pinned: pluginVersions,
    })
    .from(workspaceEnabledPlugins)
    .innerJoin(marketplacePlugins, eq(marketplacePlugins.id, workspaceEnabledPlugins.pluginId))
    .innerJoin(pluginVersions, eq(pluginVersions.id, workspaceEnabledPlugins.pluginVersionId))
    .where(eq(workspaceEnabledPlugins.workspaceId, workspaceId))
    .orderBy(sql`${workspaceEnabledPlugins.enabledAt} desc`, asc(marketplacePlugins.id));
  const pluginIds = [...new Set(rows.map((r) => r.plugin.id))];
  const versions = pluginIds.length
    ? await db.select().from(pluginVersions).where(inArray(pluginVersions.pluginId, pluginIds)).orderBy(asc(pluginVersions.createdAt), asc(pluginVersions.id))
    : [];
  const byPlugin = new Map<string, PluginVersionRow[]>();
  for (const v of versions) byPlugin.set(v.pluginId, [...(byPlugin.get(v.pluginId) ?? []), v]);
  return rows.map((r) => ({ ...r, versions: byPlugin.get(r.plugin.id) ?? [] }));
}

/** The pinned version of a plugin in a workspace, if enabled. */
export async function pinnedVersion(db: Queryable, workspaceId: string, pluginId: string) {
  const [row] = await db
    .select({ plugin: marketplacePlugins, version: pluginVersions })
    .from(workspaceEnabledPlugins)
    .innerJoin(marketplacePlugins, eq(marketplacePlugins.id, workspaceEnabledPlugins.pluginId))
    .innerJoin(pluginVersions, eq(pluginVersions.id, workspaceEnabledPlugins.pluginVersionId))
    .where(and(eq(workspaceEnabledPlugins.workspaceId, workspaceId), eq(workspaceEnabledPlugins.pluginId, pluginId)))
    .limit(1);
  return row;
}

/**
 * Of these plugin ids, those enabled in the workspace, each enablement row locked FOR KEY SHARE
 * until the transaction ends: a disable (or deactivate, or hard delete) that deletes the row waits
 * for an assignment that read it, and then removes what it assigned (issue 26 item 5); a pin
 * update (a plain UPDATE) does not wait.
 */
export async function lockEnabledAmong(db: Queryable, workspaceId: string, pluginIds: string[]): Promise<Set<string>> {
  if (!pluginIds.length) return new Set();
  const rows = await db
    .select({ id: workspaceEnabledPlugins.pluginId })
    .from(workspaceEnabledPlugins)
    .where(and(eq(workspaceEnabledPlugins.workspaceId, workspaceId), inArray(workspaceEnabledPlugins.pluginId, pluginIds)))
    .orderBy(asc(workspaceEnabledPlugins.pluginId))
    .for("key share");
  return new Set(rows.map((r) => r.id));
}

/** A workspace-owned agent of this workspace (marketplace agents and other tenants' are not found). */
export async function workspaceAgent(db: Queryable, workspaceId: string, agentId: string) {
  const [row] = await db
    .select()
    .from(items)
    .where(and(eq(items.id, agentId), eq(items.type, "agent"), eq(items.ownerType, "workspace"), eq(items.workspaceId, workspaceId)))
    .limit(1);
  return row;
}

/** Locks the agent row so concurrent replacements of its assignments serialise. */
export async function lockAgent(db: Queryable, agentId: string) {
  await db.select({ id: items.id }).from(items).where(eq(items.id, agentId)).for("update");
}

export async function assignmentsOf(db: Queryable, agentId: string) {
  return db
    .select({ assignment: agentAssignedPlugins, plugin: marketplacePlugins })
    .from(agentAssignedPlugins)
    .innerJoin(marketplacePlugins, eq(marketplacePlugins.id, agentAssignedPlugins.pluginId))
    .where(eq(agentAssignedPlugins.agentId, agentId))
    .orderBy(asc(agentAssignedPlugins.priority));
}

export async function replaceAssignments(db: Queryable, agentId: string, pluginIds: string[], actor: Actor): Promise<void> {
  await db.delete(agentAssignedPlugins).where(eq(agentAssignedPlugins.agentId, agentId));
  if (!pluginIds.length) return;
  await db.insert(agentAssignedPlugins).values(pluginIds.map((pluginId, priority) => ({ agentId, pluginId, priority, ...actor })));
}

/**
 * What an agent's context may include: its assignments whose plugin is active, enabled in the
 * agent's workspace, and pinned to an approved version whose status is active, deprecated or
 * yanked (design.md §34: a quarantined or revoked pin leaves the context), by priority (issue 15
 * item 4: whatever the assignment table says).
 */
export async function assemblablePlugins(db: Queryable, workspaceId: string, agentId: string) {
  return db
    .select({ priority: agentAssignedPlugins.priority, plugin: marketplacePlugins, version: pluginVersions, acceptedPermissions: workspaceEnabledPlugins.acceptedPermissions })
    .from(agentAssignedPlugins)
    .innerJoin(marketplacePlugins, eq(marketplacePlugins.id, agentAssignedPlugins.pluginId))
    .innerJoin(
      workspaceEnabledPlugins,
      and(eq(workspaceEnabledPlugins.pluginId, agentAssignedPlugins.pluginId), eq(workspaceEnabledPlugins.workspaceId, workspaceId)),
    )
    .innerJoin(pluginVersions, eq(pluginVersions.id, workspaceEnabledPlugins.pluginVersionId))
    .where(
      and(
        eq(agentAssignedPlugins.agentId, agentId),
        eq(marketplacePlugins.isActive, true),
        eq(pluginVersions.approvalStatus, "approved"),
        inArray(pluginVersions.status, [...SERVABLE_STATUSES]),
      ),
    )
    .orderBy(asc(agentAssignedPlugins.priority));
}

/** A workspace-owned agent of this workspace with its persona, if the persona is global or the workspace's own. */
export async function workspaceAgentWithPersona(db: Queryable, workspaceId: string, agentId: string) {
  const [row] = await db
    .select({ agent: items, persona: personas })
    .from(items)
    .leftJoin(personas, and(eq(personas.id, items.personaId), sql`(${personas.workspaceId} is null or ${personas.workspaceId} = ${workspaceId})`))
    .where(and(eq(items.id, agentId), eq(items.type, "agent"), eq(items.ownerType, "workspace"), eq(items.workspaceId, workspaceId)))
    .limit(1);
  return row;
}

/** The agent's enabled tool assignments with their catalog rows, by app name. */
export function toolDefinitionsOf(db: Queryable, agentId: string) {
  return db
    .select({ tool: toolCatalog, config: agentToolAssignments.config, updatedAt: agentToolAssignments.updatedAt })
    .from(agentToolAssignments)
    .innerJoin(toolCatalog, eq(toolCatalog.id, agentToolAssignments.toolId))
    .where(and(eq(agentToolAssignments.agentId, agentId), eq(agentToolAssignments.enabled, true)))
    .orderBy(asc(toolCatalog.appName));
}

/** The context window the LLM catalog lists for a model id (an approved marketplace `llm` row), if any. */
export async function contextWindowOf(db: Queryable, modelId: string): Promise<number | null> {
  const [row] = await db
    .select({ window: sql<number | null>`case when ${items.details}->>'context_window' ~ '^[0-9]{1,9}$' then (${items.details}->>'context_window')::int end` })
    .from(items)
    .where(and(eq(items.type, "llm"), eq(items.ownerType, "marketplace"), eq(items.isApproved, true), sql`${items.details}->>'model_id' = ${modelId}`))
    .limit(1);
  return row?.window ?? null;
}
