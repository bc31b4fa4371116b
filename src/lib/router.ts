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
