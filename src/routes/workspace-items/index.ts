import { withRoutes, type Router } from "../../lib/router";
import { registerCreateWorkspaceItem } from "./create";
import { registerDeleteWorkspaceItem } from "./delete";
import { registerGetWorkspaceItem } from "./get";
import { registerListWorkspaceItems } from "./list";
import { registerUpdateWorkspaceItem } from "./update";

export function registerWorkspaceItemRoutes(router: Router) {
  return withRoutes(
    router,
    registerListWorkspaceItems(router),
    registerCreateWorkspaceItem(router),
    registerGetWorkspaceItem(router),
    registerUpdateWorkspaceItem(router),
    registerDeleteWorkspaceItem(router),
  );
}
