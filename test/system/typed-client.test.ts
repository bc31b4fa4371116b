import { describe, expect, it } from "vitest";
import { installFirstAgent } from "../../examples/typed-client";
import { createKey } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, createWorkspace, uniqueToken } from "../helpers/factories";
import { api } from "../helpers/http";

const clients = useDatabase();
const db = () => clients.pool;

// The README's typed-client example, run against the worker's own fetch handler (tsc checks the
// same file: test/node/typed-client.test.ts).
const workerFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
  input instanceof Request ? api(input.url, input) : api(String(input), init)) as typeof fetch;

async function keyHolder() {
  const { workspace, owner } = await createWorkspace(db());
  const key = await createKey(db(), workspace.id, { scopes: ["catalog:read", "items:install", "items:read"], createdByUserId: owner.id });
  return { workspace, options: { baseUrl: "https://api.test", apiKey: key.secret, fetch: workerFetch } };
}

describe("typed client (hono/client with AppType): the README example", () => {
  it("searches, installs and reads the copy back through typed calls", async () => {
    const token = uniqueToken("typed");
    const { item } = await createMarketplaceItem(db(), { type: "agent", name: `Typed client ${token}` });
    const { options } = await keyHolder();
    const result = await installFirstAgent(options, token);
    expect(result).toEqual({ installed: item.name, version: "1.0.0", copy: item.name, clonedFrom: item.id });
  });

  it("returns null when the search finds nothing", async () => {
    const { options } = await keyHolder();
    expect(await installFirstAgent(options, uniqueToken("nothing"))).toBeNull();
  });

  it("reads a refusal as a typed problem with its code", async () => {
    const token = uniqueToken("typed");
    await createMarketplaceItem(db(), { type: "agent", name: `Typed client ${token}` });
    const { options } = await keyHolder();
    await installFirstAgent(options, token);
    await expect(installFirstAgent(options, token)).rejects.toThrow(/^already_installed: /);
  });

  it("sends the key it was given: a wrong one is refused", async () => {
    const { options } = await keyHolder();
    await expect(installFirstAgent({ ...options, apiKey: `${options.apiKey}x` }, uniqueToken("typed"))).rejects.toThrow("search failed with 401");
  });
});
