import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, Schema } from "hono";
import type { Result, Router as HonoRouter } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";
import { boundedMemo } from "./memo";
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
/** Distinct method-and-path pairs whose routing an app remembers. */
const ROUTE_MEMO_ENTRIES = 2_000;

/**
 * Hono's default router (RegExpRouter, else TrieRouter: this app's routes need the latter) with its
 * answers remembered per method and path. Matching a path against every route cost about a tenth of
 * a cached read's CPU (npm run bench, issue 32 item 2), and an isolate sees the same paths again and
 * again. A match depends on the path and the routes alone (registered before the first match), and
 * Hono only reads the answer, so a remembered one is always right.
 */
class RememberingRouter<T> implements HonoRouter<T> {
  readonly name = "RememberingRouter";
  private readonly inner = new SmartRouter<T>({ routers: [new RegExpRouter(), new TrieRouter()] });
  private readonly remembered = boundedMemo((key) => {
    const space = key.indexOf(" ");
    return this.inner.match(key.slice(0, space), key.slice(space + 1));
  }, ROUTE_MEMO_ENTRIES);

  add(method: string, path: string, handler: T): void {
    this.inner.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    return this.remembered(`${method} ${path}`);
  }
}

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    router: new RememberingRouter(),
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
export function withRoutes<const R extends readonly unknown[]>(router: Router, ..._registered: R): OpenAPIHono<AppEnv, Extract<ContractInputs<SchemaOf<R[number]>>, Schema>> {
  return router as unknown as OpenAPIHono<AppEnv, Extract<ContractInputs<SchemaOf<R[number]>>, Schema>>;
}

/**
 * `I` with each part a client may leave out (query, headers, cookies, body: no required field, `{}` fits it) optional:
 * `{header?: {…}, json?: {…}}` instead of `{header: {…}, json: {…}}`. Key-remapping mapped types keep
 * the other parts' modifiers, so applying it twice (nested registers) changes nothing more.
 */
type OptionalWhenOmittable<I> = { [K in keyof I as Omittable<K, I[K]> extends true ? never : K]: I[K] } & { [K in keyof I as Omittable<K, I[K]> extends true ? K : never]?: I[K] };

/**
 * Path parameters are never omittable: the path needs them (their fields are typed optional by
 * @hono/zod-openapi). A JSON body is omittable when the route declares it `required: false`, which
 * lib/route.ts marks by letting its input be `undefined`; query, headers and cookies when no field
 * is required.
 */
type Omittable<K, V> = K extends "param" ? false : K extends "json" ? (undefined extends V ? true : false) : {} extends V ? true : false;

/** One endpoint (a union over its response statuses) with its input relaxed; everything else as it was. */
type RelaxedEndpoint<E> = E extends { input: infer I } ? { [K in keyof E]: K extends "input" ? OptionalWhenOmittable<I> : E[K] } : E;

/**
 * The routes' types as the typed client (`hc<AppType>`) reads them, with the request parts the
 * contract makes optional optional in the client's argument too (issue 30 item 4,
 * honojs/middleware#424): @hono/zod-openapi types every declared part as present, so
 * `items[":id"].install.$post` demanded `header: {}` and `json: {}` although the document marks
 * the `Idempotency-Key` header and the body optional. A part whose fields are all optional (query,
 * headers, cookies) may be left out, and so may a JSON body the route declares `required: false`
 * (validated as `{}` when absent); path parameters and required bodies stay required.
 */
export type ContractInputs<S> = { [P in keyof S]: { [M in keyof S[P]]: RelaxedEndpoint<S[P][M]> } };

/**
 * Sets headers on the response a route already made (`set`: replacing; `append`: adding to a
 * list), in place. `c.header()` after the response exists makes Hono rebuild the response around
 * its body stream, so the body then leaves as a stream: for a cached list that cost a third of its
 * CPU (npm run bench, issue 32 item 2). A response whose headers are immutable (one fetched from
 * another service) goes through `c.header()`.
 */
export function setResponseHeaders(c: Context, set: ReadonlyArray<readonly [string, string]>, append: ReadonlyArray<readonly [string, string]> = []): void {
  try {
    const headers = c.res.headers;
    for (const [name, value] of set) headers.set(name, value);
    for (const [name, value] of append) headers.append(name, value);
  } catch {
    for (const [name, value] of set) c.header(name, value);
    for (const [name, value] of append) c.header(name, value, { append: true });
  }
}
