import type { Cache } from "../clients/cache";
import type { Queryable } from "../db/client";
import { setMarketplaceItemFeatured } from "../db/queries/catalog";
import { ApiError } from "../lib/errors";
import { invalidateCatalog } from "./catalog-cache";

/**
 * Writes that change what the catalog shows. Each one ends in `invalidateCatalog`, after its
 * transaction committed, so no reader can cache the old answer under the new generation.
 */
export async function setItemFeatured(deps: { db: Queryable; cache: Cache }, itemId: string, featured: boolean) {
  const updated = await setMarketplaceItemFeatured(deps.db, itemId, featured);
  if (!updated) throw new ApiError(404, "item_not_found", "Marketplace item not found");
  await invalidateCatalog(deps.cache);
  return updated;
}
