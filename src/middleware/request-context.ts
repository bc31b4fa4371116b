import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { createLogger, type Level } from "../lib/logger";
import { setResponseHeaders } from "../lib/router";

const LEVELS = new Set<Level>(["debug", "info", "warn", "error"]);

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request id (echoed as X-Request-Id, taken from the caller when well-formed so traces join up)
 * and one structured access-log line per request.
 */
export const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
  const level = c.env.LOG_LEVEL && LEVELS.has(c.env.LOG_LEVEL as Level) ? (c.env.LOG_LEVEL as Level) : "info";
  const logger = createLogger({ requestId }, level);
  c.set("requestId", requestId);
  c.set("logger", logger);
  const started = Date.now();
  // Before the route runs, so the route's response is made with it (after, Hono would rebuild the response: lib/router.ts setResponseHeaders).
  c.header("X-Request-Id", requestId);
  await next();
  if (c.res.headers.get("X-Request-Id") !== requestId) setResponseHeaders(c, [["X-Request-Id", requestId]]);
  logger.info("request", {
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    durationMs: Date.now() - started,
  });
};
