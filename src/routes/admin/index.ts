import type { Router } from "../../lib/router";
import { registerListUsers } from "./list-users";

export function registerAdminRoutes(router: Router) {
  registerListUsers(router);
}
