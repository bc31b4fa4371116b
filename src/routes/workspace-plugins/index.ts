import type { Router } from "../../lib/router";
import { registerDisableWorkspacePlugin } from "./disable";
import { registerEnableWorkspacePlugin } from "./enable";
import { registerListWorkspacePlugins } from "./list";
import { registerUpdateWorkspacePlugin } from "./update";

export function registerWorkspacePluginRoutes(router: Router) {
  registerListWorkspacePlugins(router);
  registerEnableWorkspacePlugin(router);
  registerUpdateWorkspacePlugin(router);
  registerDisableWorkspacePlugin(router);
}
