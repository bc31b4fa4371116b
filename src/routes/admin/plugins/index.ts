import { withRoutes, type Router } from "../../../lib/router";
import { registerActivation } from "./activation";
import { registerApprovePlugin } from "./approve";
import { registerDeletePlugin } from "./delete";
import { registerPendingPlugins } from "./pending";
import { registerRejectPlugin } from "./reject";
import { registerRescanProgress } from "./rescan-progress";
import { registerRescanStart } from "./rescan-start";
import { registerPluginScan } from "./scan";
import { registerUpload } from "./upload";
import { registerChangePluginVersionStatus } from "./version-status";

export function registerAdminPluginRoutes(router: Router) {
  return withRoutes(
    router,
    registerUpload(router),
    registerPendingPlugins(router),
    registerRescanStart(router),
    registerRescanProgress(router),
    registerApprovePlugin(router),
    registerRejectPlugin(router),
    registerActivation(router),
    registerPluginScan(router),
    registerDeletePlugin(router),
    registerChangePluginVersionStatus(router),
  );
}
