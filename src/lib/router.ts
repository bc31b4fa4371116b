import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { ApiError, type FieldError } from "./errors";

interface ZodLikeIssue {
  path: PropertyKey[];
  message: string;
}

export function validationError(target: string, issues: readonly ZodLikeIssue[]): ApiError {
  const errors: FieldError[] = issues.map((issue) => ({
    path: [target, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  return new ApiError(400, "validation_failed", "The request did not pass validation.", { errors });
}

/**
 * Every router is built here so that validation failures everywhere become the same
 * problem response (400 `validation_failed` with the offending fields).
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    strict: true,
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.target, result.error.issues);
    },
  });
}

export type Router = ReturnType<typeof createRouter>;

/** The routes (paths, inputs, typed responses) a router was given by `router.openapi`. */
type SchemaOf<R> = R extends OpenAPIHono<AppEnv, infer S, "/"> ? S : never;

/**
 * Every register function adds its routes to the one shared router and returns what
 * `router.openapi` returned: the same router, typed with those routes. This gives the shared router
 * the types of all of them, so `hc<AppType>` (src/client.ts) knows every route from the routes'
 * own definitions, with nothing declared twice. Register functions that return nothing (test and
 * benchmark routes) add no types.
 */
export function withRoutes<const R extends readonly unknown[]>(router: Router, ..._registered: R): OpenAPIHono<AppEnv, SchemaOf<R[number]>> {
  return router as unknown as OpenAPIHono<AppEnv, SchemaOf<R[number]>>;
}
