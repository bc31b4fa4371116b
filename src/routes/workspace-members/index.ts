import { withRoutes, type Router } from "../../lib/router";
import { registerAddMember } from "./add";
import { registerChangeMemberRole } from "./change-role";
import { registerListMembers } from "./list";
import { registerRemoveMember } from "./remove";

export function registerWorkspaceMemberRoutes(router: Router) {
  return withRoutes(
    router,
    registerListMembers(router),
    registerAddMember(router),
    registerChangeMemberRole(router),
    registerRemoveMember(router),
  );
}
