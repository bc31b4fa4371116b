import type { Database, Queryable } from "../../db/client";
import { bumpWorkspaceGenerations } from "../../db/queries/generations";
import { assignmentsOf, holdPlugins, lockAgent, lockEnabledAmong, replaceAssignments, workspaceAgent } from "../../db/queries/plugin-usage";
import { ApiError } from "../../lib/errors";
import type { Actor } from "../auth/principal";

export const agentNotFound = () => new ApiError(404, "agent_not_found", "Agent not found");

/** The agent, if it is this workspace's own (marketplace agents and other tenants' answer 404). */
export async function requireWorkspaceAgent(db: Queryable, workspaceId: string, agentId: string) {
  const agent = await workspaceAgent(db, workspaceId, agentId);
  if (!agent) throw agentNotFound();
  return agent;
}

/** The agent's plugin assignments by priority (0 first). @throws 404 `agent_not_found`. */
export async function listAgentPlugins(db: Queryable, workspaceId: string, agentId: string) {
  await requireWorkspaceAgent(db, workspaceId, agentId);
  const rows = await assignmentsOf(db, agentId);
  return {
    agent_id: agentId,
    items: rows.map(({ assignment, plugin }) => ({
      plugin_id: plugin.id,
      slug: plugin.slug,
      name: plugin.name,
      description: plugin.description,
      is_active: plugin.isActive,
      priority: assignment.priority,
      assigned_at: assignment.assignedAt.toISOString(),
    })),
  };
}

/**
 * Replaces an agent's assignments in one transaction (reference §2.5): duplicates dropped keeping
 * the first, priority = position; an empty list clears them.
 * The plugin rows and then the enablement rows are locked before they are checked (holdPlugins,
 * lockEnabledAmong), the order every plugin write takes them in: a disable, deactivate or hard
 * delete that commits first is seen (400), and one that commits second waits for this transaction
 * and then removes the assignments it made (issue 26 item 5).
 * @throws 404 `agent_not_found`; 400 `plugins_not_enabled` ("Plugins not enabled for workspace:
 *   <ids>", with `plugin_ids`) when any id is not enabled for the workspace, and nothing changes.
 */
export async function replaceAgentPlugins(db: Database, workspaceId: string, agentId: string, requested: string[], actor: Actor) {
  const pluginIds = [...new Set(requested.map((id) => id.toLowerCase()))];
  return db.transaction(async (tx) => {
    await requireWorkspaceAgent(tx, workspaceId, agentId);
    await lockAgent(tx, agentId);
    await holdPlugins(tx, pluginIds);
    const enabled = await lockEnabledAmong(tx, workspaceId, pluginIds);
    const missing = pluginIds.filter((id) => !enabled.has(id));
    if (missing.length) {
      throw new ApiError(400, "plugins_not_enabled", `Plugins not enabled for workspace: ${missing.join(", ")}`, { plugin_ids: missing });
    }
    await replaceAssignments(tx, agentId, pluginIds, actor);
    // The agent's cached contexts are stale from this commit on (design.md §29).
    await bumpWorkspaceGenerations(tx, [workspaceId]);
    return { agent_id: agentId, plugin_ids: pluginIds, assigned: pluginIds.length };
  });
}
