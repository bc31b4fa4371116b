import { withRoutes, type Router } from "../../lib/router";
import { registerAssembledContext } from "./assembled-context";
import { registerListAgentPlugins } from "./list";
import { registerReplaceAgentPlugins } from "./replace";

export function registerAgentPluginRoutes(router: Router) {
  return withRoutes(router, registerListAgentPlugins(router), registerReplaceAgentPlugins(router), registerAssembledContext(router));
}
