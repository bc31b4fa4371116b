import { withRoutes, type Router } from "../../lib/router";
import { registerCreateWorkspace } from "./create";
import { registerListWorkspaces } from "./list";

export function registerWorkspaceRoutes(router: Router) {
  return withRoutes(
    router,
    registerCreateWorkspace(router),
    registerListWorkspaces(router),
  );
}
