/**
 * A typed client in a few lines (README "Typed client"): `hc<AppType>` from `hono/client` knows
 * every route's path, parameters, body and JSON responses, so the calls below are checked by tsc.
 * Searches the catalog for an agent, installs it into the API key's workspace and reads it back.
 */
import { hc } from "hono/client";
import type { AppType } from "../src/client";

export interface ClientOptions {
  baseUrl: string;
  /** An API key with the `catalog:read`, `items:install` and `items:read` scopes. */
  apiKey: string;
  /** Optional: another fetch (the tests pass the worker's own). */
  fetch?: typeof fetch;
}

export async function installFirstAgent(options: ClientOptions, search: string) {
  const api = hc<AppType>(options.baseUrl, { headers: { Authorization: `Bearer ${options.apiKey}` }, fetch: options.fetch });

  const found = await api.api.marketplace.items.$get({ query: { type: "agent", search, limit: "5" } });
  if (found.status !== 200) throw new Error(`search failed with ${found.status}`);
  const agent = (await found.json()).items[0];
  if (!agent) return null;

  const installed = await api.api.marketplace.items[":id"].install.$post({ param: { id: agent.id } });
  if (installed.status !== 201) {
    const problem = await installed.json(); // application/problem+json with a stable code
    throw new Error(`${problem.code}: ${problem.detail}`);
  }
  const install = await installed.json();

  const copy = await api.api.agents[":id"].$get({ param: { id: install.clone_id } });
  if (copy.status !== 200) throw new Error(`reading the copy failed with ${copy.status}`);
  const agentCopy = await copy.json();
  return { installed: agent.name, version: install.version, copy: agentCopy.name, clonedFrom: agentCopy.cloned_from_id };
}
