import { createRoute, type RouteConfig, type z } from "@hono/zod-openapi";
import type { ZodType } from "zod";
import { bodyLimit } from "hono/body-limit";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { authorize } from "../middleware/authorize";
import { guardJsonBody, refuseEncodedBody } from "../middleware/input-guard";
import { registerCatalogRead } from "../services/catalog-cache";
import { accessSentence, securityFor, type RouteAccess } from "./access";
import type { ApiTag } from "./api-tags";
import { ApiError } from "./errors";
import { AUTH_PROBLEMS, problemResponses } from "./openapi";

/** Default request-body ceiling for JSON routes; uploads set their own. */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;

export type DefinedRouteConfig = Omit<RouteConfig, "middleware" | "security" | "operationId" | "tags"> & {
  access: RouteAccess;
  /**
   * Stable camelCase name of the operation (`listItems`, `installItem`): generated clients name
   * their methods after it, so renaming one is a breaking change (issue 17 item 1).
   */
  operationId: string;
  /** One tag declared in lib/api-tags.ts. */
  tags: [ApiTag];
  /** Only for routes with a request body. */
  bodyLimitBytes?: number;
};

export function requestBodyLimit(maxSize: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `The request body exceeds ${maxSize} bytes.`);
    },
  });
}

/**
 * For routes whose body is optional: a JSON content type with an empty body means "no body", as
 * clients that always send `Content-Type: application/json` expect (e.g. POST …/toggle-featured).
 */
const emptyBodyIsNoBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header("content-type") && (await c.req.raw.clone().text()).trim() === "") {
    const headers = new Headers(c.req.raw.headers);
    headers.delete("content-type");
    c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers });
  }
  await next();
};

/**
 * The problems an operation can answer whatever its handler does, so the document declares every
 * status the app really sends (issue 16 item 1; test/system/contract-fuzz.test.ts checks each
 * response against it): 400 from the URL guard (app.ts `refuseUnstorableUrl`, every route) and
 * from validation; for routes behind the gate, its 401/403/404/429 and 503 `database_unavailable`
 * (app.ts onError); for routes with a body, 413 over the body limit and 415 for a media type or a
 * content coding the route does not take. A route's own entry for a status wins (its description is the precise one).
 */
export function alwaysPossibleProblems(access: RouteAccess, hasBody: boolean) {
  const statuses: number[] = [400, ...(access.access === "public" ? [] : [...AUTH_PROBLEMS, 503]), ...(hasBody ? [413, 415] : [])];
  return problemResponses(...statuses);
}

/**
 * `createRoute` plus the project's conventions: the access declaration becomes both the gate
 * middleware and the operation's OpenAPI security (and `x-access`), and a body limit and the JSON
 * guard (unstorable strings, depth, key count: middleware/input-guard.ts) always apply to routes
 * that take a body; `alwaysPossibleProblems` joins the declared responses. The description ends with the access declaration in words (accessSentence), so
 * every operation has one and the required scope and role read the same everywhere.
 */
/**
 * How a cached catalog read is served (design.md §15, §26, §29, §32, §49; issue 32 item 3), in
 * every such operation's description.
 */
export const CATALOG_CACHING_SENTENCE =
  "**Caching:** for everyone but platform admins the answer is shared: cached under the catalog generation (`private, max-age=60`, an `ETag`; `If-None-Match` answers 304), so install counts may lag by up to 60 s. An API key's read always makes its one cache round trip, which checks revocation. A signed-in user's (Clerk session) read may be answered from the serving isolate's memory, with no round trip, for up to `CATALOG_FRESHNESS_MS` (default 1,000 ms; 0 turns this off) after that isolate last read the generation: a moderation change made elsewhere (approve, reject, feature, remove, a version status) can take that long to show, and a change made through the same isolate shows at once. Platform admins always get a fresh, uncached answer.";

export function defineRoute<const C extends DefinedRouteConfig>(config: C) {
  const { access, bodyLimitBytes, ...route } = config;
  const middleware: MiddlewareHandler<AppEnv>[] = [authorize(access)];
  // A cached catalog read's page key is built from its validated request (services/catalog-cache.ts).
  if (access.access === "authenticated" && access.cachedCatalogRead) registerCatalogRead(route.path, route.request);
  if (route.request?.body) middleware.push(refuseEncodedBody, requestBodyLimit(bodyLimitBytes ?? JSON_BODY_LIMIT_BYTES));
  if (route.request?.body && !route.request.body.required) middleware.push(emptyBodyIsNoBody);
  if (route.request?.body) middleware.push(guardJsonBody);
  const created = createRoute({
    ...route,
    responses: { ...alwaysPossibleProblems(access, Boolean(route.request?.body)), ...route.responses },
    middleware,
    description: [route.description, accessSentence(access, route.path), access.access === "authenticated" && access.cachedCatalogRead ? CATALOG_CACHING_SENTENCE : undefined]
      .filter(Boolean)
      .join("\n\n"),
    security: securityFor(access),
    "x-access": access,
  } as Omit<C, "access" | "bodyLimitBytes"> & { middleware: MiddlewareHandler<AppEnv>[] });
  return created as OptionalBodyInput<typeof created>;
}

/**
 * For a route whose JSON body is `required: false`, the body schema's input type also admits
 * `undefined` (its output, what the handler reads, is unchanged): the mark by which the typed
 * client lets a caller leave the body out (lib/router.ts ContractInputs; issue 30 item 4). Only
 * types change; the schema object is the same.
 */
type OptionalBodyInput<C> = C extends { request: { body: { required: false; content: { "application/json": { schema: infer S extends ZodType } } } } }
  ? Omit<C, "request"> & {
      request: Omit<C["request"], "body"> & {
        body: Omit<C["request"]["body"], "content"> & { content: { "application/json": { schema: ZodType<z.output<S>, z.input<S> | undefined> } } };
      };
    }
  : C;
