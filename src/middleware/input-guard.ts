import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { inspectJson, printable, unstorableText, type InputProblem } from "../lib/input-limits";
import { validationError } from "../lib/router";

/** Why a percent-encoded URL component is unusable: its escapes spell bytes that are not UTF-8. */
const NOT_UTF8 = "must be valid UTF-8 once percent-decoded (RFC 3986 §2.5)";

/**
 * The component percent-decoded, or null when its escapes spell bytes that are not UTF-8 (`%FF`, an
 * encoded lone surrogate `%ED%A0%80`, a truncated sequence). A stray `%` not followed by two hex
 * digits stays literal, as URLSearchParams keeps it, so `search=100%` still means "100%".
 */
function decoded(component: string): string | null {
  try {
    return decodeURIComponent(component.replace(/%(?![0-9A-Fa-f]{2})/g, "%25"));
  } catch {
    return null;
  }
}

/**
 * Refuses, for every request, a path or query parameter (name or value) that PostgreSQL could not
 * store, or that is not text at all: U+0000, a lone surrogate, or escapes that are not UTF-8 (which
 * URLSearchParams would silently turn into U+FFFD) → 400 `validation_failed` naming
 * `query.<name>` or `path`. Global and ahead of authentication, since the refusal depends on
 * nothing but the URL.
 */
export const refuseUnstorableUrl: MiddlewareHandler<AppEnv> = async (c, next) => {
  // The runtime percent-encodes every character of a request URL that is not printable ASCII, so
  // only an escape can spell a NUL, a lone surrogate or bytes that are not UTF-8: a URL without
  // `%` (nearly every request) passes without being parsed (issue 32 item 2).
  if (!c.req.url.includes("%")) return next();
  const url = new URL(c.req.url);
  const decodedPath = decoded(url.pathname);
  if (decodedPath === null) throw validationError("path", [{ path: [], message: NOT_UTF8 }]);
  if (unstorableText(decodedPath)) {
    throw validationError("path", [{ path: [], message: unstorableText(decodedPath)! }]);
  }
  const problems: InputProblem[] = [];
  for (const pair of url.search.slice(1).split("&")) {
    if (decoded(pair) !== null) continue;
    const rawName = pair.split("=", 1)[0]!;
    problems.push({ path: [printable(decoded(rawName) ?? rawName)], message: NOT_UTF8 });
  }
  if (problems.length > 0) throw validationError("query", problems);
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

// Stateless between calls (whole buffers, no `stream` option), so one per isolate is safe.
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * For routes with a JSON body, after the body limit: refuses a body that is not UTF-8 (RFC 8259
 * §8.1; a lenient decode would store U+FFFD in place of the bad bytes), unstorable strings, depth
 * over 32 and more than 1000 keys (src/lib/input-limits.ts) as 400 `validation_failed` with
 * `json` or `json.<path>`. Hono caches the body, so the route's validator reads it again without
 * touching the stream; malformed JSON is left to that validator (400 `malformed_json`).
 */
export const guardJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (isJson(c.req.header("content-type"))) {
    try {
      STRICT_UTF8.decode(await c.req.arrayBuffer());
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      throw validationError("json", [{ path: [], message: "holds bytes that are not valid UTF-8 (JSON must be UTF-8: RFC 8259 §8.1)" }]);
    }
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

/**
 * For routes with a body, ahead of the body limit: a `Content-Encoding` other than `identity` is
 * 415 `unsupported_media_type` (RFC 9110 §15.5.16 names the content coding as a reason for 415).
 * No route decodes a compressed body, so one labelled `gzip` was read as plain bytes: a real gzip
 * body failed as "not valid UTF-8" and a plain one labelled gzip was stored.
 */
export const refuseEncodedBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const codings = (c.req.header("content-encoding") ?? "")
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
  if (codings.length > 0) {
    throw new ApiError(415, "unsupported_media_type", `Content-Encoding ${printable(codings.join(", "))} is not supported: send the body uncompressed.`);
  }
  await next();
};
