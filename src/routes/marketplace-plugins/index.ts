import type { Router } from "../../lib/router";
import { registerPluginContent } from "./content";

export function registerMarketplacePluginRoutes(router: Router) {
  registerPluginContent(router);
}
