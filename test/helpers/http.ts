import { exports } from "cloudflare:workers";

// The main module's default export, i.e. the worker exactly as wrangler deploys it.
const worker = (exports as unknown as { default: Fetcher }).default;

/** Calls the worker's real fetch handler. */
export function api(path: string, init?: RequestInit): Promise<Response> {
  return worker.fetch(new Request(new URL(path, "https://api.test"), init));
}

export function jsonRequest(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: Array<{ path: string; message: string }>;
}

/** Asserts the response is a problem document and returns it. */
export async function problem(response: Response): Promise<Problem> {
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("application/problem+json")) {
    throw new Error(`expected application/problem+json, got ${type}: ${await response.text()}`);
  }
  return (await response.json()) as Problem;
}
