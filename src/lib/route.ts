import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { authorize } from "../middleware/authorize";
import { guardJsonBody } from "../middleware/input-guard";
import { accessSentence, securityFor, type RouteAccess } from "./access";
import type { ApiTag } from "./api-tags";
import { ApiError } from "./errors";

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
 * `createRoute` plus the project's conventions: the access declaration becomes both the gate
 * middleware and the operation's OpenAPI security (and `x-access`), and a body limit and the JSON
 * guard (unstorable strings, depth, key count: middleware/input-guard.ts) always apply to routes
 * that take a body. The description ends with the access declaration in words (accessSentence), so
 * every operation has one and the required scope and role read the same everywhere.
 */
export function defineRoute<const C extends DefinedRouteConfig>(config: C) {
  const { access, bodyLimitBytes, ...route } = config;
  const middleware: MiddlewareHandler<AppEnv>[] = [authorize(access)];
  if (route.request?.body) middleware.push(requestBodyLimit(bodyLimitBytes ?? JSON_BODY_LIMIT_BYTES));
  if (route.request?.body && !route.request.body.required) middleware.push(emptyBodyIsNoBody);
  if (route.request?.body) middleware.push(guardJsonBody);
  return createRoute({
    ...route,
    middleware,
    description: route.description ? `${route.description}\n\n${accessSentence(access)}` : accessSentence(access),
    security: securityFor(access),
    "x-access": access,
  } as Omit<C, "access" | "bodyLimitBytes"> & { middleware: MiddlewareHandler<AppEnv>[] });
}
