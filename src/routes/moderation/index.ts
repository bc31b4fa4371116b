import { withRoutes, type Router } from "../../lib/router";
import { registerApprove } from "./approve";
import { registerAudit } from "./audit";
import { registerFeature } from "./feature";
import { registerPending } from "./pending";
import { registerReject } from "./reject";
import { registerRemove } from "./remove";

export function registerModerationRoutes(router: Router) {
  return withRoutes(
    router,
    registerPending(router),
    registerApprove(router),
    registerReject(router),
    registerFeature(router),
    registerRemove(router),
    registerAudit(router),
  );
}
