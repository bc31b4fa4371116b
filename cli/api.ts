import { CliError, EXIT } from "./exit-codes";
import type { Settings } from "./config";
import { printable } from "./output";

/** Per request; a local worker answers in milliseconds, a cold deployed one in about a second. */
const TIMEOUT_MS = 30_000;

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send no key (login checks the key it was given instead). */
  apiKey?: string;
}

/** One line for a problem response (RFC 9457 body with the API's stable `code`), or for any other error status. */
export function problemLine(status: number, body: unknown): string {
  const problem = body && typeof body === "object" ? (body as { code?: unknown; detail?: unknown; title?: unknown }) : {};
  const code = typeof problem.code === "string" ? problem.code : `http_${status}`;
  const text = typeof problem.detail === "string" ? problem.detail : typeof problem.title === "string" ? problem.title : `HTTP ${status}`;
  return printable(`error: ${code} (HTTP ${status}): ${text.replace(/\s+/g, " ").trim()}`);
}

/** Whether `error` is the API's refusal with this problem `code`. */
export function isProblem(error: unknown, code: string): boolean {
  return error instanceof CliError && !!error.problem && typeof error.problem === "object" && (error.problem as { code?: unknown }).code === code;
}

/** The variables that name a proxy (curl's and npm's; the lower-case forms win, as undici reads them). */
const PROXY_VARIABLES = ["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"] as const;

type Fetch = (url: URL, init: RequestInit & { dispatcher?: unknown }) => Promise<Pick<Response, "ok" | "status" | "text">>;

/**
 * How requests leave the machine, as curl, npm and pip do it (issue 30 item 5, npm/cli#6957):
 * through `HTTPS_PROXY` for https URLs and `HTTP_PROXY` for http URLs, unless the host matches
 * `NO_PROXY` (comma- or space-separated host names, `.suffix` or `*`; a port may be given); the
 * lower-case forms win over the upper-case ones. undici's maintained EnvHttpProxyAgent reads them
 * (the undici the local stack's miniflare already installs). undici is loaded only when a proxy
 * variable is set: importing it costs about 0.3 s of CLI start-up, which plain runs do not pay.
 */
async function proxyAwareFetch(): Promise<Fetch> {
  if (!PROXY_VARIABLES.some((name) => process.env[name])) return fetch as Fetch;
  const { EnvHttpProxyAgent, fetch: undiciFetch } = await import("undici");
  const dispatcher = new EnvHttpProxyAgent();
  return (url, init) => undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher }) as unknown as ReturnType<Fetch>;
}

/**
 * Calls the API with the key in X-API-Key and returns the parsed JSON body (null for 204).
 * Requests go through the proxy the environment names (proxyAwareFetch).
 * Throws CliError: exit 3 without a key or on 401, 2 on any other error status, 4 when unreachable.
 */
export async function callApi(settings: Settings, method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
  const apiKey = options.apiKey ?? settings.apiKey;
  if (!apiKey) {
    throw new CliError(EXIT.auth, "error: no API key: set MARKETPLACE_API_KEY or run `marketplace login`");
  }
  const url = new URL(`${settings.baseUrl}${path}`);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  const headers: Record<string, string> = { Accept: "application/json", "X-API-Key": apiKey, ...options.headers };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Awaited<ReturnType<Fetch>>;
  try {
    const send = await proxyAwareFetch();
    response = await send(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new CliError(EXIT.network, `error: cannot reach ${settings.baseUrl}: ${cause}`);
  }
  const text = await response.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    throw new CliError(response.status === 401 ? EXIT.auth : EXIT.refused, problemLine(response.status, body), body);
  }
  return body;
}
