import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface FieldError {
  path: string;
  message: string;
}

/**
 * The one error type handlers throw. `code` is the stable, machine-readable part of the contract;
 * `detail` is for people and may change.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; [key: string]: unknown } = {},
  ) {
    super(detail);
    this.name = "ApiError";
  }
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Renders any error as RFC 9457 problem details; unexpected errors never expose internals. */
export function renderProblem(c: Context, error: unknown): Response {
  const requestId = (c.get("requestId") as string | undefined) ?? "";
  const apiError =
    error instanceof ApiError ? error : new ApiError(500, "internal_error", "An unexpected error occurred.");
  if (!(error instanceof ApiError)) {
    c.get("logger")?.error("unhandled_error", {
      error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
    });
  }
  const { headers = {}, ...extra } = apiError.extra;
  const body = {
    type: `about:blank`,
    title: TITLES[apiError.status] ?? "Error",
    status: apiError.status,
    detail: apiError.detail,
    code: apiError.code,
    requestId,
    ...extra,
  };
  return new Response(JSON.stringify(body), {
    status: apiError.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...headers },
  });
}
