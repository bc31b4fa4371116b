import type { Router } from "../../lib/router";
import { registerAcceptInvitation } from "./accept";
import { registerListInvitations } from "./list";

export function registerInvitationRoutes(router: Router) {
  registerListInvitations(router);
  registerAcceptInvitation(router);
}
