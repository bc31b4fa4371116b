// @module-tag pglite (PostgreSQL's text-search parser on version numbers: also run on the embedded database; test/suite-layout.ts)
import { beforeAll, describe, expect, it } from "vitest";
import { createKey } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, createWorkspace, uniqueToken } from "../helpers/factories";
import { api } from "../helpers/http";

// Model and version numbers in search (issue 13 item 1, every word must match): PostgreSQL's parser
// stores `3.5` whole and reads the hyphen of `GPT-4.1` as a sign ('-4.1'); a query must find them.

const clients = useDatabase();
const db = () => clients.pool;
const TAG = uniqueToken("ver");
const reader: Record<string, string> = {};

async function search(query: string): Promise<string[]> {
  const response = await api(`/api/marketplace/items?tags=${TAG}&search=${encodeURIComponent(query)}`, { headers: reader });
  expect(response.status, `${query}: ${await response.clone().text()}`).toBe(200);
  return ((await response.json()) as { items: Array<{ name: string }> }).items.map((i) => i.name.replace(` ${TAG}`, ""));
}

beforeAll(async () => {
  const { workspace } = await createWorkspace(db(), { name: "Version Publishing" });
  reader["X-API-Key"] = (await createKey(db(), workspace.id, { scopes: ["catalog:read"] })).secret;
  const base = { tags: [TAG], publisherWorkspaceId: workspace.id };
  await createMarketplaceItem(db(), { ...base, name: `Claude 3.5 Sonnet ${TAG}`, installCount: 5 });
  await createMarketplaceItem(db(), { ...base, name: `Claude 3 Opus ${TAG}`, description: "Handles 50 tools.", installCount: 9 });
  await createMarketplaceItem(db(), { ...base, name: `GPT-4.1 Mini ${TAG}` });
  await createMarketplaceItem(db(), { ...base, name: `Llama-3.1 Instruct ${TAG}` });
  await createMarketplaceItem(db(), { ...base, name: `Node JS Helper ${TAG}` });
});

describe("searching for versions and dotted names", () => {
  it("finds a dotted version as one word, not as its digits", async () => {
    expect(await search("claude 3.5")).toEqual(["Claude 3.5 Sonnet"]);
    expect(await search("3.5 sonnet")).toEqual(["Claude 3.5 Sonnet"]);
    expect(await search('"claude 3.5 sonnet"')).toEqual(["Claude 3.5 Sonnet"]);
    // A prefix of the version still matches it, and the whole number too.
    expect((await search("claude 3")).sort()).toEqual(["Claude 3 Opus", "Claude 3.5 Sonnet"]);
  });

  it("finds a number written after a hyphen, which the parser stores with a minus sign", async () => {
    for (const query of ["gpt 4.1", "gpt-4.1", "GPT-4.1 mini", "gpt 4"]) expect(await search(query), query).toEqual(["GPT-4.1 Mini"]);
    expect(await search("llama 3.1")).toEqual(["Llama-3.1 Instruct"]);
  });

  it("finds a dotted name by its parts", async () => {
    expect(await search("node.js")).toEqual(["Node JS Helper"]);
  });
});
