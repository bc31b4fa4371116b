import type { Database } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import {
  countWorkspaceItems,
  deleteItem,
  endInstallsOfClone,
  findWorkspaceItem,
  insertItem,
  listWorkspaceItems,
  replaceAgentSkills,
  replaceAgentTools,
  skillsOf,
  toolsByName,
  toolsOf,
  updateItem,
  usableSkills,
  type ItemRow,
} from "../db/queries/workspace-items";
import type { Queryable } from "../db/client";
import type { ItemType } from "../domain/item-types";
import { appendEvents } from "../db/queries/events";
import { bumpWorkspaceGenerations } from "../db/queries/generations";
import { installRemovedEvent } from "./installs";
import { ApiError } from "../lib/errors";
import type { Actor } from "./auth/principal";
import { workspaceNameTaken } from "./item-names";

/** The types a workspace creates itself; LLM entries and tools are curated (design.md §4). */
export const WORKSPACE_TYPES = ["agent", "recipe", "skill"] as const satisfies readonly ItemType[];
export type WorkspaceType = (typeof WORKSPACE_TYPES)[number];

export interface ItemInput {
  name?: string;
  description?: string;
  tags?: string[];
  icon?: string | null;
  details?: Record<string, unknown>;
  /** Agents: skills (this workspace's, or approved marketplace skills), in priority order. */
  skill_ids?: string[];
  /** Agents: tool app names from the tool catalog. */
  tools?: string[];
}

async function withRelations(db: Queryable, row: ItemRow) {
  const base = {
    id: row.id,
    type: row.type as WorkspaceType,
    name: row.name,
    description: row.description,
    tags: row.tags,
    icon: row.marketplaceIcon,
    details: row.details,
    version: row.version,
    cloned_from_id: row.clonedFromId,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
  if (row.type !== "agent") return base;
  const [skills, tools] = await Promise.all([skillsOf(db, row.id), toolsOf(db, row.id)]);
  return { ...base, skill_ids: skills.map((s) => s.id), tools: tools.map((t) => t.appName) };
}

export type WorkspaceItem = Awaited<ReturnType<typeof withRelations>>;

async function setAgentRelations(db: Queryable, workspaceId: string, agentId: string, input: ItemInput, actor: Actor) {
  if (input.skill_ids) {
    const unique = [...new Set(input.skill_ids)];
    const usable = new Set((await usableSkills(db, workspaceId, unique)).map((s) => s.id));
    const unknown = unique.filter((id) => !usable.has(id));
    if (unknown.length) throw new ApiError(400, "unknown_skills", `No usable skill with id: ${unknown.join(", ")}.`, { skill_ids: unknown });
    await replaceAgentSkills(db, agentId, unique);
  }
  if (input.tools) {
    const names = [...new Set(input.tools.map((t) => t.toUpperCase()))];
    const found = await toolsByName(db, names);
    const unknown = names.filter((n) => !found.some((t) => t.appName === n));
    if (unknown.length) throw new ApiError(400, "unknown_tools", `Not in the tool catalog: ${unknown.join(", ")}.`, { tools: unknown });
    await replaceAgentTools(db, agentId, found.map((t) => t.id), actor);
  }
}

function refuseRelations(type: WorkspaceType, input: ItemInput) {
  if (type !== "agent" && (input.skill_ids || input.tools)) {
    throw new ApiError(400, "relations_not_supported", "Only agents have skills and tools.");
  }
}

export async function listItems(db: Queryable, workspaceId: string, type: WorkspaceType, page: { limit: number; offset: number }) {
  const [rows, total] = await Promise.all([listWorkspaceItems(db, workspaceId, type, page), countWorkspaceItems(db, workspaceId, type)]);
  return { items: await Promise.all(rows.map((row) => withRelations(db, row))), total, ...page };
}

export async function getItem(db: Queryable, workspaceId: string, type: WorkspaceType, id: string) {
  const row = await findWorkspaceItem(db, workspaceId, type, id);
  if (!row) throw new ApiError(404, "item_not_found", "No such item in this workspace.");
  return withRelations(db, row);
}

/**
 * Creates a workspace agent, recipe or skill in one transaction. The route's schemas have already
 * normalized name and tags (src/domain/names.ts, tags.ts). 409 `name_taken` (with `existing_item`)
 * when the workspace has an item of this type with the same name ignoring case (design.md §6); 400
 * `unknown_skills` / `unknown_tools` / `relations_not_supported` for bad relations.
 */
export async function createItem(db: Database, workspaceId: string, type: WorkspaceType, input: ItemInput & { name: string }, actor: Actor) {
  refuseRelations(type, input);
  try {
    return await db.transaction(async (tx) => {
      const row = await insertItem(tx, {
        type,
        name: input.name,
        description: input.description ?? "",
        tags: input.tags ?? [],
        marketplaceIcon: input.icon ?? null,
        details: input.details ?? {},
        ownerType: "workspace",
        ownerId: workspaceId,
        workspaceId,
        createdByUserId: actor.actorType === "user" ? actor.actorId : null,
        ...actor,
      });
      if (type === "agent") await setAgentRelations(tx, workspaceId, row.id, input, actor);
      return withRelations(tx, row);
    });
  } catch (error) {
    if (isUniqueViolation(error, "items_workspace_name_key")) throw await workspaceNameTaken(db, workspaceId, type, input.name);
    throw error;
  }
}

/** Updates the given fields of a workspace item; errors as `createItem`, plus 404 `item_not_found`. */
export async function updateWorkspaceItem(db: Database, workspaceId: string, type: WorkspaceType, id: string, input: ItemInput, actor: Actor) {
  refuseRelations(type, input);
  try {
    return await db.transaction(async (tx) => {
      const existing = await findWorkspaceItem(tx, workspaceId, type, id);
      if (!existing) throw new ApiError(404, "item_not_found", "No such item in this workspace.");
      const row = await updateItem(tx, id, {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.tags !== undefined ? { tags: input.tags } : {}),
        ...(input.icon !== undefined ? { marketplaceIcon: input.icon } : {}),
        ...(input.details !== undefined ? { details: input.details } : {}),
        ...actor,
      }) as Awaited<ReturnType<typeof updateItem>> | undefined;
      // Deleted by a request that committed between the read above and this update (the UPDATE
      // then matches no row): the same 404 as an item that never existed, never a 500.
      if (!row) throw new ApiError(404, "item_not_found", "No such item in this workspace.");
      if (type === "agent") {
        await setAgentRelations(tx, workspaceId, id, input, actor);
        // The agent's row and tools are inputs of its assembled contexts (design.md §29); other
        // types are in no context.
        await bumpWorkspaceGenerations(tx, [workspaceId]);
      }
      return withRelations(tx, row);
    });
  } catch (error) {
    if (isUniqueViolation(error, "items_workspace_name_key")) throw await workspaceNameTaken(db, workspaceId, type, input.name ?? "", id);
    throw error;
  }
}

/** Deletes a workspace item; a clone's install record is ended in the same transaction. */
export async function deleteWorkspaceItem(db: Database, workspaceId: string, type: WorkspaceType, id: string) {
  await db.transaction(async (tx) => {
    const existing = await findWorkspaceItem(tx, workspaceId, type, id);
    if (!existing) throw new ApiError(404, "item_not_found", "No such item in this workspace.");
    const ended = existing.clonedFromId ? await endInstallsOfClone(tx, id) : [];
    await deleteItem(tx, id);
    // A deleted agent's cached contexts must answer 404 from this commit on (design.md §29).
    if (type === "agent") await bumpWorkspaceGenerations(tx, [workspaceId]);
    // Deleting a clone is an uninstall (design.md §6), and says so in the outbox as one.
    await appendEvents(tx, ended.map((install) => installRemovedEvent(workspaceId, install.itemId, id)));
  });
}
