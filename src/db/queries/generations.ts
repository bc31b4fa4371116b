import { eq, sql } from "drizzle-orm";
import { rowsOf, type Queryable } from "../client";
import { catalogState, workspaceGenerations } from "../schema";

/**
 * The safety generations of design.md §29, kept in PostgreSQL so a cache tier can never outrank a
 * committed takedown: `catalog_state.takedown_generation` (one row) and the workspace's
 * `workspace_generations.generation` (no row reads as 0).
 */

/** Bumps the takedown generation; call inside the takedown's transaction. */
export async function bumpTakedownGeneration(tx: Queryable): Promise<void> {
  await tx.update(catalogState).set({ takedownGeneration: sql`${catalogState.takedownGeneration} + 1` }).where(eq(catalogState.id, 1));
}

/** Bumps each workspace's context generation; call inside the transaction that changed its inputs. */
export async function bumpWorkspaceGenerations(tx: Queryable, workspaceIds: string[]): Promise<void> {
  const ids = [...new Set(workspaceIds)].sort();
  if (!ids.length) return;
  // Sorted, so two transactions bumping the same workspaces lock the rows in the same order.
  await tx
    .insert(workspaceGenerations)
    .values(ids.map((workspaceId) => ({ workspaceId, generation: 1 })))
    .onConflictDoUpdate({ target: workspaceGenerations.workspaceId, set: { generation: sql`${workspaceGenerations.generation} + 1` } });
}

/**
 * Both generations in one primary-key query: `"<takedown>.<workspace>"` (design.md §29), each a
 * decimal counter. What an assembled-context entry's tag carries (services/plugins/context-cache.ts).
 */
export async function safetyGenerations(db: Queryable, workspaceId: string | null): Promise<string> {
  const [row] = await rowsOf<{ takedown: string; workspace: string }>(
    db,
    sql`select (select takedown_generation from catalog_state where id = 1)::text as takedown,
               coalesce((select generation from workspace_generations where workspace_id = ${workspaceId}::uuid), 0)::text as workspace`,
  );
  return `${row?.takedown ?? "0"}.${row?.workspace ?? "0"}`;
}

/**
 * The takedown generation alone, one primary-key query: what a plugin-content entry's tag carries
 * (services/plugins/content.ts). Content is stored once per version for every workspace, so no
 * workspace's generation belongs in its tag. A decimal counter as text; "0" if the row is missing.
 */
export async function takedownGeneration(db: Queryable): Promise<string> {
  const [row] = await rowsOf<{ takedown: string }>(db, sql`select takedown_generation::text as takedown from catalog_state where id = 1`);
  return row?.takedown ?? "0";
}
