import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { inspectJson, printable, unstorableText, type InputProblem } from "../lib/input-limits";
import { validationError } from "../lib/router";

/**
 * Refuses, for every request, a path or query parameter (name or value) that PostgreSQL could not
 * store: U+0000 or a lone surrogate → 400 `validation_failed` naming `query.<name>` or `path`.
 * Global and ahead of authentication, since the refusal depends on nothing but the URL.
 */
export const refuseUnstorableUrl: MiddlewareHandler<AppEnv> = async (c, next) => {
  const url = new URL(c.req.url);
  let decodedPath: string;
  try {
    decodedPath = decodeURIComponent(url.pathname);
  } catch {
    decodedPath = url.pathname; // Undecodable escapes cannot spell U+0000; routing refuses them.
  }
  if (unstorableText(decodedPath)) {
    throw validationError("path", [{ path: [], message: unstorableText(decodedPath)! }]);
  }
  const problems: InputProblem[] = [];
  for (const [name, value] of url.searchParams) {
    const why = unstorableText(name) ?? unstorableText(value);
    if (why) problems.push({ path: [printable(name)], message: why });
  }
  if (problems.length > 0) throw validationError("query", problems);
  await next();
};

// The media types Hono's validator parses as JSON (hono/validator: same test, same normalising).
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const isJson = (contentType: string | undefined) => JSON_MEDIA_TYPE.test((contentType ?? "").split(";")[0]!.trim().toLowerCase());

/**
 * For routes with a JSON body, after the body limit: refuses unstorable strings, depth over 32 and
 * more than 1000 keys (src/lib/input-limits.ts) as 400 `validation_failed` with `json.<path>`.
 * Hono caches the body text, so the route's validator reads it again without touching the stream;
 * malformed JSON is left to that validator (400 `malformed_json`).
 */
export const guardJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (isJson(c.req.header("content-type"))) {
    const body = await c.req.json().then(
      (value: unknown) => ({ value }),
      (error: unknown) => {
        if (error instanceof SyntaxError) return null;
        throw error;
      },
    );
    const problems = body ? inspectJson(body.value) : [];
    if (problems.length > 0) throw validationError("json", problems);
  }
  await next();
};
