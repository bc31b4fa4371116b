import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { createLogger, type Level } from "../lib/logger";

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
  await next();
  c.header("X-Request-Id", requestId);
  logger.info("request", {
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    durationMs: Date.now() - started,
  });
};
