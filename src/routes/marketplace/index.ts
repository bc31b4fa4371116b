import { withRoutes, type Router } from "../../lib/router";
import { registerApplyUpdate } from "./apply-update";
import { registerCategories } from "./categories";
import { registerChangeItemVersionStatus } from "./change-version-status";
import { registerFeatured } from "./featured";
import { registerGetItem } from "./get-item";
import { registerInstall } from "./install";
import { registerInstalls } from "./installs";
import { registerListItems } from "./list-items";
import { registerStats } from "./stats";
import { registerSubmissions } from "./submissions";
import { registerSubmit } from "./submit";
import { registerUninstall } from "./uninstall";
import { registerUpdates } from "./updates";
import { registerVersionStatuses } from "./version-statuses";

export function registerMarketplaceRoutes(router: Router) {
  return withRoutes(
    router,
    registerListItems(router),
    registerFeatured(router),
    registerCategories(router),
    registerStats(router),
    registerSubmit(router),
    registerSubmissions(router),
    registerInstalls(router),
    registerInstall(router),
    registerUninstall(router),
    registerUpdates(router),
    registerApplyUpdate(router),
    registerChangeItemVersionStatus(router),
    registerVersionStatuses(router),
    // After the fixed paths, although a UUID pattern could not shadow them anyway.
    registerGetItem(router),
  );
}
