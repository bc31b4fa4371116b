import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { createKey } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createCategory, createMarketplaceItem, createWorkspace, uniqueToken } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";
import { publisher } from "../publishing/helpers";

// Issue 9 item 4, and item 3 for tags and categories. Catalog reads filter on this file's own tag.
const clients = useDatabase();
const db = () => clients.pool;
const TAG = uniqueToken("tag");
let reader: Record<string, string>;
let listed: { id: string };

beforeAll(async () => {
  const { workspace } = await createWorkspace(db());
  reader = { "X-API-Key": (await createKey(db(), workspace.id, { scopes: ["catalog:read"] })).secret };
  // Stored as the API stores tags: lower-case.
  ({ item: listed } = await createMarketplaceItem(db(), { type: "skill", name: `Tagged ${TAG}`, tags: [TAG, "customer support"] }));
});

describe("tags on input are normalized", () => {
  it("lower-cases and de-duplicates a workspace item's tags", async () => {
    const p = await publisher(db());
    const agent = (await p.create("agents", { name: `Tags ${uniqueToken()}`, tags: ["Support", "support", "SUPPORT", "dup", "dup"] })) as unknown as { tags: string[] };
    expect(agent.tags).toEqual(["support", "dup"]);
  });

  it("normalizes submitted tags (NFC, spaces collapsed) before they reach the marketplace row", async () => {
    const p = await publisher(db());
    const skill = await p.create("skills", { name: `Source ${uniqueToken()}` });
    const response = await p.submit({ item_id: skill.id, tags: [" Code\u00a0\u00a0Review ", "CAFE\u0301", "café"] });
    expect(response.status).toBe(201);
    const { item_id } = (await response.json()) as { item_id: string };
    const [row] = await db().select().from(schema.items).where(eq(schema.items.id, item_id));
    expect(row!.tags).toEqual(["code review", "caf\u00e9"]);
  });

  it("allows 20 distinct tags once duplicates are gone", async () => {
    const p = await publisher(db());
    const twenty = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const agent = (await p.create("agents", { name: `Many ${uniqueToken()}`, tags: [...twenty, "T0", "T1"] })) as unknown as { tags: string[] };
    expect(agent.tags).toEqual(twenty);
  });
});

describe("bad tags: 400 validation_failed naming the tag", () => {
  it.each([
    ["a comma (the filter could never match it)", ["ok", "a,b"], "json.tags.1", "comma"],
    ["a control character", ["bell\u0007"], "json.tags.0", "U+0007"],
    ["a zero-width space", ["\u200bsupport"], "json.tags.0", "U+200B"],
    ["over 50 characters", ["x".repeat(51)], "json.tags.0", "at most 50"],
    ["nothing visible", ["  "], "json.tags.0", "visible"],
    ["21 distinct tags", Array.from({ length: 21 }, (_, i) => `t${i}`), "json.tags", "20"],
  ])("refuses %s on create and on submit", async (_label, tags, path, message) => {
    const p = await publisher(db());
    const created = await api("/api/agents", jsonRequest("POST", { name: `Bad tags ${uniqueToken()}`, tags }, p.headers));
    expect(created.status).toBe(400);
    const body = await problem(created);
    expect(body.code).toBe("validation_failed");
    expect(body.errors).toEqual([{ path, message: expect.stringContaining(message) }]);

    const agent = await p.create("agents", { name: `Good ${uniqueToken()}` });
    const submitted = await p.submit({ item_id: agent.id, tags });
    expect(submitted.status).toBe(400);
    expect((await problem(submitted)).errors).toEqual([{ path, message: expect.stringContaining(message) }]);
  });
});

describe("the catalog's tag filter", () => {
  const list = async (query: string) => {
    const response = await api(`/api/marketplace/items?${query}`, { headers: reader });
    expect(response.status, await response.clone().text()).toBe(200);
    return ((await response.json()) as { items: Array<{ id: string }> }).items.map((i) => i.id);
  };

  it("matches tags ignoring case", async () => {
    expect(await list(`tags=${TAG.toUpperCase()}`)).toEqual([listed.id]);
    expect(await list(`tags=${TAG},Customer%20Support`)).toEqual([listed.id]);
    // Variant: a no-break space and extra spaces in the filter are collapsed as in stored tags.
    expect(await list(`tags=${TAG}&tags=CUSTOMER%C2%A0%20SUPPORT`)).toEqual([listed.id]);
  });

  it("refuses an invisible character in a tag or a category with 400 naming the parameter", async () => {
    const tag = await api(`/api/marketplace/items?tags=${TAG}%E2%80%8B`, { headers: reader });
    expect(tag.status).toBe(400);
    expect((await problem(tag)).errors).toEqual([{ path: "query.tags.0", message: expect.stringContaining("U+200B") }]);
    const category = await api(`/api/marketplace/items?category=sales%E2%80%AE`, { headers: reader });
    expect(category.status).toBe(400);
    expect((await problem(category)).errors).toEqual([{ path: "query.category", message: expect.stringContaining("U+202E") }]);
  });
});

describe("categories named on submit", () => {
  it("are normalized before lookup, and refused with a bidi character", async () => {
    const category = await createCategory(db(), `Cat ${uniqueToken()}`);
    const p = await publisher(db());
    const skill = await p.create("skills", { name: `Categorized ${uniqueToken()}` });
    const bidi = await p.submit({ item_id: skill.id, category: `${category.slug}\u202e` });
    expect(bidi.status).toBe(400);
    expect((await problem(bidi)).errors).toEqual([{ path: "json.category", message: expect.stringContaining("U+202E") }]);
    const spaced = await p.submit({ item_id: skill.id, category: category.name.replace(" ", "\u00a0\u00a0") });
    expect(spaced.status).toBe(201);
  });
});
