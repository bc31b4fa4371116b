import type { Router } from "../../lib/router";
import { registerCreateWorkspace } from "./create";
import { registerListWorkspaces } from "./list";

export function registerWorkspaceRoutes(router: Router) {
  registerCreateWorkspace(router);
  registerListWorkspaces(router);
}
