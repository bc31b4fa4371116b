import { withRoutes, type Router } from "../../lib/router";
import { registerDisableWorkspacePlugin } from "./disable";
import { registerEnableWorkspacePlugin } from "./enable";
import { registerListWorkspacePlugins } from "./list";
import { registerUpdateWorkspacePlugin } from "./update";

export function registerWorkspacePluginRoutes(router: Router) {
  return withRoutes(router, registerListWorkspacePlugins(router), registerEnableWorkspacePlugin(router), registerUpdateWorkspacePlugin(router), registerDisableWorkspacePlugin(router));
}
