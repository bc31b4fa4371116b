import { withRoutes, type Router } from "../../lib/router";
import { registerPluginCategories } from "./categories";
import { registerGetPlugin } from "./get-plugin";
import { registerListPlugins } from "./list";

/** The public plugin marketplace (issue 15): fixed paths before `{id}`. */
export function registerMarketplacePluginRoutes(router: Router) {
  return withRoutes(router, registerListPlugins(router), registerPluginCategories(router), registerGetPlugin(router));
}
