import { withRoutes, type Router } from "../../lib/router";
import { registerAcceptInvitation } from "./accept";
import { registerListInvitations } from "./list";

export function registerInvitationRoutes(router: Router) {
  return withRoutes(
    router,
    registerListInvitations(router),
    registerAcceptInvitation(router),
  );
}
