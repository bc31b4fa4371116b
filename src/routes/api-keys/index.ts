import { withRoutes, type Router } from "../../lib/router";
import { registerCreateApiKey } from "./create";
import { registerListApiKeys } from "./list";
import { registerRevokeApiKey } from "./revoke";

export function registerApiKeyRoutes(router: Router) {
  return withRoutes(
    router,
    registerCreateApiKey(router),
    registerListApiKeys(router),
    registerRevokeApiKey(router),
  );
}
