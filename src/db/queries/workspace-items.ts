import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Queryable } from "../client";
import { nameSkeleton } from "../../domain/names";
import { withNormalizedName } from "./item-values";
import { agentSkills, agentToolAssignments, items, marketplaceInstalls, toolCatalog } from "../schema";
import type { ItemType } from "../../domain/item-types";

export type ItemRow = typeof items.$inferSelect;

const inWorkspace = (workspaceId: string, type: ItemType) =>
  and(eq(items.workspaceId, workspaceId), eq(items.type, type), sql`${items.ownerType} = 'workspace'`, isNull(items.removedAt));

export function listWorkspaceItems(db: Queryable, workspaceId: string, type: ItemType, page: { limit: number; offset: number }) {
  return db
    .select()
    .from(items)
    .where(inWorkspace(workspaceId, type))
    .orderBy(sql`lower(${items.name})`, asc(items.id))
    .limit(page.limit)
    .offset(page.offset);
}

export async function countWorkspaceItems(db: Queryable, workspaceId: string, type: ItemType): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(items).where(inWorkspace(workspaceId, type));
  return Number(row?.n ?? 0);
}

/** One of this workspace's items; another workspace's item is simply not found. */
export async function findWorkspaceItem(db: Queryable, workspaceId: string, type: ItemType, id: string): Promise<ItemRow | undefined> {
  const [row] = await db.select().from(items).where(and(eq(items.id, id), inWorkspace(workspaceId, type))).limit(1);
  return row;
}

/** The workspace item of this type whose name equals `name` ignoring case, as items_workspace_name_key compares. */
export async function workspaceNameHolder(db: Queryable, workspaceId: string, type: ItemType, name: string, exceptId?: string) {
  const [row] = await db
    .select({ id: items.id, name: items.name })
    .from(items)
    .where(and(inWorkspace(workspaceId, type), sql`lower(${items.name}) = lower(${name})`, exceptId ? sql`${items.id} <> ${exceptId}` : undefined))
    .limit(1);
  return row;
}

/** Inserts an item; `name_skeleton` is derived from the name (see item-values.ts). */
export async function insertItem(db: Queryable, values: Omit<typeof items.$inferInsert, "nameSkeleton">): Promise<ItemRow> {
  const normal = withNormalizedName(values);
  const [row] = await db
    .insert(items)
    .values({ ...normal, nameSkeleton: normal.nameSkeleton ?? nameSkeleton(normal.name) })
    .returning();
  return row!;
}

export async function updateItem(db: Queryable, id: string, values: Partial<typeof items.$inferInsert>): Promise<ItemRow> {
  const [row] = await db.update(items).set({ ...withNormalizedName(values), updatedAt: sql`now()` }).where(eq(items.id, id)).returning();
  return row!;
}

export async function deleteItem(db: Queryable, id: string): Promise<void> {
  await db.delete(items).where(eq(items.id, id));
}

/** Deleting a clone ends its install record instead of losing it (design.md §6). */
/** Ends the live installs whose clone this is; returns the items they installed. */
export async function endInstallsOfClone(db: Queryable, cloneId: string): Promise<Array<{ itemId: string }>> {
  return db
    .update(marketplaceInstalls)
    .set({ uninstalledAt: sql`now()` })
    .where(and(eq(marketplaceInstalls.cloneId, cloneId), isNull(marketplaceInstalls.uninstalledAt)))
    .returning({ itemId: marketplaceInstalls.itemId });
}

export async function replaceAgentSkills(db: Queryable, agentId: string, skillIds: string[]): Promise<void> {
  await db.delete(agentSkills).where(eq(agentSkills.agentId, agentId));
  if (skillIds.length) await db.insert(agentSkills).values(skillIds.map((skillId, priority) => ({ agentId, skillId, priority })));
}

export async function replaceAgentTools(
  db: Queryable,
  agentId: string,
  toolIds: string[],
  actor: { actorType: "user" | "api_key"; actorId: string } | { actorType: "system"; actorId: null },
): Promise<void> {
  await db.delete(agentToolAssignments).where(eq(agentToolAssignments.agentId, agentId));
  if (toolIds.length) await db.insert(agentToolAssignments).values(toolIds.map((toolId) => ({ agentId, toolId, ...actor })));
}

export function skillsOf(db: Queryable, agentId: string) {
  return db
    .select({ id: items.id, name: items.name, ownerType: items.ownerType, workspaceId: items.workspaceId, isApproved: items.isApproved })
    .from(agentSkills)
    .innerJoin(items, eq(items.id, agentSkills.skillId))
    .where(eq(agentSkills.agentId, agentId))
    .orderBy(asc(agentSkills.priority));
}

export function toolsOf(db: Queryable, agentId: string) {
  return db
    .select({ id: toolCatalog.id, appName: toolCatalog.appName })
    .from(agentToolAssignments)
    .innerJoin(toolCatalog, eq(toolCatalog.id, agentToolAssignments.toolId))
    .where(eq(agentToolAssignments.agentId, agentId))
    .orderBy(asc(toolCatalog.appName));
}

export function toolsByName(db: Queryable, appNames: string[]) {
  if (!appNames.length) return Promise.resolve([]);
  return db.select({ id: toolCatalog.id, appName: toolCatalog.appName }).from(toolCatalog).where(inArray(toolCatalog.appName, appNames));
}

/** Skills an agent in this workspace may use: its own workspace skills and approved marketplace skills. */
export function usableSkills(db: Queryable, workspaceId: string, ids: string[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .select({ id: items.id })
    .from(items)
    .where(
      and(
        inArray(items.id, ids),
        eq(items.type, "skill"),
        isNull(items.removedAt),
        sql`((${items.ownerType} = 'workspace' and ${items.workspaceId} = ${workspaceId}) or (${items.ownerType} = 'marketplace' and ${items.isApproved}))`,
      ),
    );
}
