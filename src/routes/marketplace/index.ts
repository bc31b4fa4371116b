import type { Router } from "../../lib/router";
import { registerCategories } from "./categories";
import { registerFeatured } from "./featured";
import { registerGetItem } from "./get-item";
import { registerListItems } from "./list-items";
import { registerStats } from "./stats";
import { registerSubmissions } from "./submissions";
import { registerSubmit } from "./submit";

export function registerMarketplaceRoutes(router: Router) {
  registerListItems(router);
  registerFeatured(router);
  registerCategories(router);
  registerStats(router);
  registerSubmit(router);
  registerSubmissions(router);
  // After the fixed paths, although a UUID pattern could not shadow them anyway.
  registerGetItem(router);
}
