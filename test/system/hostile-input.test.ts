import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { inspectJson, MAX_JSON_DEPTH, MAX_JSON_KEYS } from "../../src/lib/input-limits";
import { bearer, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createWorkspace } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";

const clients = useDatabase();
const db = () => clients.pool;

const NUL = "\u0000";
const LONE = "\ud800";

async function member() {
  const { user, token } = await signedInUser(db());
  const { workspace } = await createWorkspace(db(), { owner: user });
  return { token, workspace, headers: { ...bearer(token), "X-Workspace-ID": workspace.id } };
}

async function adminHeaders() {
  return bearer((await signedInUser(db(), { systemRole: "admin" })).token);
}

/** Asserts a 400 validation_failed whose errors name exactly `paths`. */
async function expectRefused(response: Response, paths: string[]) {
  expect(response.status, await response.clone().text()).toBe(400);
  const body = await problem(response);
  expect(body.code).toBe("validation_failed");
  expect(body.errors?.map((e) => e.path).sort()).toEqual([...paths].sort());
  expect(body.errors?.every((e) => e.message.length > 0)).toBe(true);
}

describe("NUL and lone surrogates in query parameters", () => {
  it.each([
    ["search", "search=%00"],
    ["category", "category=support%00"],
    ["tags", "tags=a,%00b"],
    ["search (variant: NUL in the middle, other parameters valid)", "type=agent&search=ticket%00triage"],
  ])("refuses %s on the catalog with 400 naming the parameter", async (_, query) => {
    const { headers } = await member();
    const name = query.match(/(search|category|tags)=/)![1]!;
    await expectRefused(await api(`/api/marketplace/items?${query}`, { headers }), [`query.${name}`]);
  });

  it("refuses them in the admin user search and the audit filter", async () => {
    const admin = await adminHeaders();
    await expectRefused(await api("/api/admin/users?search=%00", { headers: admin }), ["query.search"]);
    await expectRefused(await api("/api/admin/audit?action=approve%00", { headers: admin }), ["query.action"]);
  });

  it("refuses a NUL in a parameter's name, and in the path, before authentication", async () => {
    await expectRefused(await api("/api/marketplace/items?se%00arch=x"), ["query.se\\u0000arch"]);
    await expectRefused(await api("/api/marketplace/items/%00"), ["path"]);
  });

  it("refuses ?x=%00 on every registered path, whatever the method", async () => {
    const seen = new Set<string>();
    for (const route of createApp({ testRoutes: true, benchRoutes: true }).routes) {
      if (route.method === "ALL" || seen.has(`${route.method} ${route.path}`)) continue;
      seen.add(`${route.method} ${route.path}`);
      const url = route.path.replace(/:[A-Za-z_]+/g, () => crypto.randomUUID());
      const response = await api(`${url}?x=%00`, { method: route.method });
      expect(response.status, `${route.method} ${route.path}`).toBe(400);
      expect((await problem(response)).errors?.map((e) => e.path)).toEqual(["query.x"]);
    }
    expect(seen.size).toBeGreaterThan(20);
  });

  it("still answers the same query without the NUL", async () => {
    const { headers } = await member();
    expect((await api("/api/marketplace/items?search=ticket&tags=a,b", { headers })).status).toBe(200);
  });
});

describe("NUL and lone surrogates in JSON bodies", () => {
  it.each([
    ["name", { name: `Agent${NUL}` }, "json.name"],
    ["description", { name: "ok", description: `desc${NUL}` }, "json.description"],
    ["details, deep", { name: "ok", details: { model_config: { system: ["fine", `bad${NUL}`] } } }, "json.details.model_config.system.1"],
    ["tags", { name: "ok", tags: ["fine", `t${NUL}`] }, "json.tags.1"],
    ["a lone surrogate in tags", { name: "ok", tags: [`x${LONE}`] }, "json.tags.0"],
    ["a lone surrogate in details", { name: "ok", details: { note: `${LONE}` } }, "json.details.note"],
    ["a low surrogate alone (variant)", { name: "ok", details: { note: "\udc00x" } }, "json.details.note"],
    ["a NUL in a key of details", { name: "ok", details: { [`api${NUL}key`]: "x" } }, "json.details.api\\u0000key"],
  ])("refuses %s on item create with 400 naming the field", async (_, body, path) => {
    const { headers } = await member();
    await expectRefused(await api("/api/agents", jsonRequest("POST", body, headers)), [path]);
  });

  it("refuses them on item update, API-key create and workspace create", async () => {
    const { headers, token } = await member();
    const created = await api("/api/recipes", jsonRequest("POST", { name: "Recipe" }, headers));
    const { id } = (await created.json()) as { id: string };
    await expectRefused(await api(`/api/recipes/${id}`, jsonRequest("PATCH", { name: `R${NUL}` }, headers)), ["json.name"]);
    await expectRefused(await api("/api/api-keys", jsonRequest("POST", { name: `CI${NUL}`, scopes: ["catalog:read"] }, headers)), ["json.name"]);
    await expectRefused(await api("/api/workspaces", jsonRequest("POST", { name: `Team${NUL}` }, bearer(token))), ["json.name"]);
    await expectRefused(await api("/api/workspaces", jsonRequest("POST", { name: `Team${LONE}` }, bearer(token))), ["json.name"]);
  });

  it("writes nothing when it refuses", async () => {
    const { headers } = await member();
    await api("/api/skills", jsonRequest("POST", { name: `Skill${NUL}` }, headers));
    const list = (await (await api("/api/skills", { headers })).json()) as { total: number };
    expect(list.total).toBe(0);
  });

  it("accepts the escaped text and well-formed surrogate pairs", async () => {
    const { headers } = await member();
    const response = await api("/api/agents", jsonRequest("POST", { name: "Escaped \\u0000 text", details: { note: "😀" } }, headers));
    expect(response.status).toBe(201);
  });
});

describe("bytes that are not UTF-8 (URL escapes and raw JSON bodies)", () => {
  it.each([
    ["an encoded lone surrogate", "search=%ED%A0%80", "query.search"],
    ["a byte that never starts UTF-8", "search=caf%FF", "query.search"],
    ["a truncated sequence (variant)", "type=agent&search=%E2%82", "query.search"],
    ["a bad parameter name", "s%FFarch=x", "query.s%FFarch"],
  ])("refuses %s in the query with 400 naming the parameter, before authentication", async (_, query, path) => {
    await expectRefused(await api(`/api/marketplace/items?${query}`), [path]);
  });

  it("refuses them in the path", async () => {
    await expectRefused(await api("/api/marketplace/items/%ED%A0%80"), ["path"]);
  });

  it("still accepts real UTF-8 escapes and a stray percent sign", async () => {
    const { headers } = await member();
    expect((await api("/api/marketplace/items?search=caf%C3%A9", { headers })).status).toBe(200);
    expect((await api("/api/marketplace/items?search=100%", { headers })).status).toBe(200);
    expect((await api("/api/marketplace/items?search=%F0%9F%98%80", { headers })).status).toBe(200);
  });

  it("refuses a JSON body holding raw bytes that are not UTF-8, and writes nothing", async () => {
    const { headers } = await member();
    const prefix = new TextEncoder().encode('{"name":"Skill ');
    const bytes = new Uint8Array([...prefix, 0xff, 0xfe, ...new TextEncoder().encode('"}')]);
    await expectRefused(await api("/api/skills", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: bytes }), ["json"]);
    // An encoded lone surrogate as raw bytes (WTF-8) is not UTF-8 either (variant).
    const wtf8 = new Uint8Array([...prefix, 0xed, 0xa0, 0x80, ...new TextEncoder().encode('"}')]);
    await expectRefused(await api("/api/skills", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: wtf8 }), ["json"]);
    const list = (await (await api("/api/skills", { headers })).json()) as { total: number };
    expect(list.total).toBe(0);
  });

  it("accepts raw UTF-8 (multi-byte, with a byte-order mark) in a JSON body", async () => {
    const { headers } = await member();
    const body = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"name":"Café 😀 skill"}')]);
    const created = await api("/api/skills", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
    expect(created.status, await created.clone().text()).toBe(201);
    expect(((await created.json()) as { name: string }).name).toBe("Café 😀 skill");
  });
});

describe("JSON depth and width", () => {
  const nested = (levels: number) => {
    let value: unknown = "leaf";
    for (let i = 0; i < levels; i++) value = { a: value };
    return value;
  };

  it("refuses 4,000 levels in details on create with 400, not a crash", async () => {
    const { headers } = await member();
    const response = await api("/api/agents", jsonRequest("POST", { name: "Deep", details: nested(4000) }, headers));
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body.code).toBe("validation_failed");
    expect(body.errors?.[0]?.path).toMatch(/^json\.details(\.a)+$/);
    expect(body.errors?.[0]?.message).toContain(`${MAX_JSON_DEPTH}`);
  });

  it("refuses deep arrays too (variant), and accepts a body exactly 32 levels deep", async () => {
    const { headers } = await member();
    const deepArray = JSON.parse("[".repeat(100) + "]".repeat(100)) as unknown;
    expect((await api("/api/agents", jsonRequest("POST", { name: "Arr", details: { x: deepArray } }, headers))).status).toBe(400);
    // The body is level 1, so details' 31 nested objects (levels 2–32) just fit.
    const fits = await api("/api/agents", jsonRequest("POST", { name: "Fits", details: nested(31) }, headers));
    expect(fits.status, await fits.clone().text()).toBe(201);
    const over = await api("/api/agents", jsonRequest("POST", { name: "Over", details: nested(32) }, headers));
    expect(over.status).toBe(400);
  });

  it("refuses a body with more than 1,000 keys in all", async () => {
    const { headers } = await member();
    const wide = Object.fromEntries(Array.from({ length: MAX_JSON_KEYS + 1 }, (_, i) => [`k${i}`, 1]));
    const response = await api("/api/agents", jsonRequest("POST", { name: "Wide", details: wide }, headers));
    await expectRefused(response, ["json"]);
    // Spread over many small objects counts the same (variant).
    const spread = { name: "Spread", details: { list: Array.from({ length: 200 }, () => ({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 })) } };
    await expectRefused(await api("/api/agents", jsonRequest("POST", spread, headers)), ["json"]);
  });

  it("inspectJson walks a hostile depth without recursion", () => {
    let value: unknown = 1;
    for (let i = 0; i < 200_000; i++) value = [value];
    expect(inspectJson(value)).toEqual([{ path: Array(MAX_JSON_DEPTH).fill(0), message: expect.stringContaining("deeper") }]);
    expect(inspectJson({ a: [{ b: "fine" }], c: null, d: 1 })).toEqual([]);
  });
});
