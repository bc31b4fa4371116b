import { withRoutes, type Router } from "../../lib/router";
import { registerListUsers } from "./list-users";
import { registerAdminPluginRoutes } from "./plugins";

export function registerAdminRoutes(router: Router) {
  return withRoutes(
    router,
    registerListUsers(router),
    registerAdminPluginRoutes(router),
  );
}
