import type { Queryable } from "../db/client";
import { marketplaceNameHolder } from "../db/queries/publishing";
import { workspaceNameHolder } from "../db/queries/workspace-items";
import type { ItemType } from "../domain/item-types";
import { ApiError } from "../lib/errors";

export interface NameHolder {
  id: string;
  name: string;
}

/**
 * 409 `name_taken`, naming the item that holds the name as `existing_item: {id, name}` when it is
 * known (issue 9 item 3). Marketplace names clash when their look-alike skeletons match
 * (src/domain/names.ts); workspace names when they match ignoring case (design.md §6).
 */
export function nameTaken(where: "marketplace" | "workspace", type: string, holder: NameHolder | undefined): ApiError {
  const place = where === "marketplace" ? "The marketplace" : "This workspace";
  const detail = holder
    ? `${place} already has ${withArticle(type)} named “${holder.name}” (${holder.id}), which this name matches or looks like.`
    : `${place} already has ${withArticle(type)} with this name or one that looks like it.`;
  return new ApiError(409, "name_taken", detail, holder ? { existing_item: holder } : {});
}

/** Refuses a marketplace name another item holds (before writing, to name the holder early). */
export async function refuseTakenMarketplaceName(db: Queryable, type: ItemType, name: string, exceptId?: string): Promise<void> {
  const holder = await marketplaceNameHolder(db, type, name, exceptId);
  if (holder) throw nameTaken("marketplace", type, holder);
}

/** The 409 for a unique violation of items_marketplace_name_key (looked up after the rollback). */
export async function marketplaceNameTaken(db: Queryable, type: ItemType, name: string, exceptId?: string): Promise<ApiError> {
  return nameTaken("marketplace", type, await marketplaceNameHolder(db, type, name, exceptId));
}

/** The 409 for a unique violation of items_workspace_name_key (looked up after the rollback). */
export async function workspaceNameTaken(db: Queryable, workspaceId: string, type: ItemType, name: string, exceptId?: string): Promise<ApiError> {
  return nameTaken("workspace", type, await workspaceNameHolder(db, workspaceId, type, name, exceptId));
}

/** "an agent", "a recipe", "an LLM": the article English wants before the item type's name. */
function withArticle(type: string): string {
  return /^[aeiou]/i.test(type) || type === "llm" ? `an ${type}` : `a ${type}`;
}
