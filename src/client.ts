/**
 * The API's type for a typed client (issue 17 item 2): `hc<AppType>(baseUrl)` from `hono/client`
 * knows every production route — path, method, parameters, body and each status's JSON response —
 * from the routes' own definitions. Test and benchmark routes are not part of it.
 *
 *   import { hc } from "hono/client";
 *   import type { AppType } from "./src/client";
 *   const api = hc<AppType>("http://localhost:8787", { headers: { Authorization: `Bearer ${key}` } });
 *   const res = await api.api.marketplace.items.$get({ query: { type: "agent" } });
 */
import type { App } from "./app";

export type AppType = App;
