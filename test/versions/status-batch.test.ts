// @module-tag pglite (status changes append events under an advisory lock)
import { beforeAll, describe, expect, it } from "vitest";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, createWorkspace } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";
import { approvedPlugin, newVersion } from "../plugins/in-use-helpers";
import { adminHeaders, catalogReaderHeaders } from "../publishing/helpers";
import { patchItemVersion, patchPluginVersion, releasedSkill } from "./helpers";

// Issue 27 item 2: POST /api/marketplace/versions/status, what a client asks to learn whether the
// versions it holds are still good. One answer per entry, in order; an unknown entry never fails
// the call; quarantined and revoked versions are reported to whoever asks, without the reason
// (design.md §35); safe_version is §39's.

const clients = useDatabase();
const db = () => clients.pool;

interface Verdict {
  item_id?: string;
  plugin_id?: string;
  version: string;
  found: boolean;
  status: string | null;
  message: string | null;
  replacement: { item_id: string } | null;
  update: string | null;
  update_available: boolean;
  latest_version: string | null;
  listed_version: string | null;
  safe_version: string | null;
}

type Ask = { item_id: string; version: string } | { plugin_id: string; version: string };

const ask = (body: unknown, headers: Record<string, string>) => api("/api/marketplace/versions/status", jsonRequest("POST", body, headers));

// `held` is the version held as stored: with no update, latest_version is it (never lower, design.md §39).
const found = (status: string, held: string, listed: string | null, safe: string | null, extra: Partial<Verdict> = {}) => ({
  found: true,
  status,
  message: null,
  replacement: null,
  update: null,
  update_available: false,
  latest_version: held,
  listed_version: listed,
  safe_version: safe,
  ...extra,
});
const NOT_FOUND = { found: false, status: null, message: null, replacement: null, update: null, update_available: false, latest_version: null, listed_version: null, safe_version: null };

/** Each case: what is asked and what anyone asking should hear back (without the id and version). */
let itemCases: Array<{ ask: { item_id: string; version: string }; expected: Omit<Verdict, "item_id" | "version"> }>;
let pluginCases: Array<{ ask: { plugin_id: string; version: string }; expected: Omit<Verdict, "plugin_id" | "version"> }>;
let reader: Record<string, string>;
let admin: Record<string, string>;
let quarantinedPublisher: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
  reader = await catalogReaderHeaders(db());
  const ok = async (response: Promise<Response>) => {
    const r = await response;
    expect(r.status, await r.clone().text()).toBe(200);
  };
  const { item: replacement } = await createMarketplaceItem(db(), { type: "skill" });

  // Yanked listed version naming a replacement: listed (and safe) is the lower 1.0.0.
  const yanked = await releasedSkill(db(), admin, ["1.0.0", "1.1.0"]);
  await ok(patchItemVersion(yanked.itemId, "1.1.0", { status: "yanked", message: "Corrupts output", replacement_item_id: replacement.id }, yanked.publisher.headers));
  // Quarantined by an admin: the reason is never shown.
  const quarantined = await releasedSkill(db(), admin, ["1.0.0", "1.1.0"]);
  await ok(patchItemVersion(quarantined.itemId, "1.1.0", { status: "quarantined", message: "Secret investigation notes" }, admin));
  quarantinedPublisher = quarantined.publisher.headers;
  // Revoked only version: nothing is safe.
  const revoked = await releasedSkill(db(), admin, ["1.0.0"]);
  await ok(patchItemVersion(revoked.itemId, "1.0.0", { status: "revoked", message: "Malware" }, admin));
  // A yanked old version with a newer active one: safe is the update target.
  const older = await releasedSkill(db(), admin, ["1.0.0", "1.1.0"]);
  await ok(patchItemVersion(older.itemId, "1.0.0", { status: "yanked", message: "Leaks a token" }, older.publisher.headers));
  // Deprecated: the message is shown, the version itself is safe.
  const deprecated = await releasedSkill(db(), admin, ["1.0.0"]);
  await ok(patchItemVersion(deprecated.itemId, "1.0.0", { status: "deprecated", message: "No longer maintained" }, deprecated.publisher.headers));
  // A pending version, and a removed item.
  const pending = await releasedSkill(db(), admin, ["1.0.0"]);
  await pending.submit("1.1.0");
  const { item: removed } = await createMarketplaceItem(db(), { type: "skill", publisherWorkspaceId: (await createWorkspace(db())).workspace.id });
  const removal = await api(`/api/marketplace/items/${removed.id}`, { method: "DELETE", headers: admin });
  expect(removal.status).toBe(200);
  // A curated item with build metadata in its version number is matched by precedence.
  const { item: active } = await createMarketplaceItem(db(), { type: "skill" });

  itemCases = [
    { ask: { item_id: active.id, version: "1.0.0" }, expected: found("active", "1.0.0", "1.0.0", "1.0.0") },
    { ask: { item_id: yanked.itemId, version: "1.1.0" }, expected: found("yanked", "1.1.0", "1.0.0", "1.0.0", { message: "Corrupts output", replacement: { item_id: replacement.id } }) },
    { ask: { item_id: yanked.itemId, version: "1.0.0" }, expected: found("active", "1.0.0", "1.0.0", "1.0.0") },
    { ask: { item_id: quarantined.itemId, version: "1.1.0" }, expected: found("quarantined", "1.1.0", "1.0.0", "1.0.0") },
    { ask: { item_id: revoked.itemId, version: "1.0.0" }, expected: found("revoked", "1.0.0", null, null) },
    { ask: { item_id: older.itemId, version: "1.0.0" }, expected: found("yanked", "1.0.0", "1.1.0", "1.1.0", { message: "Leaks a token", update: "1.1.0", update_available: true, latest_version: "1.1.0" }) },
    { ask: { item_id: deprecated.itemId, version: "1.0.0" }, expected: found("deprecated", "1.0.0", "1.0.0", "1.0.0", { message: "No longer maintained" }) },
    { ask: { item_id: pending.itemId, version: "1.1.0" }, expected: NOT_FOUND },
    { ask: { item_id: pending.itemId, version: "2.0.0" }, expected: NOT_FOUND },
    { ask: { item_id: pending.itemId, version: "latest" }, expected: NOT_FOUND },
    { ask: { item_id: removed.id, version: "1.0.0" }, expected: NOT_FOUND },
    { ask: { item_id: crypto.randomUUID(), version: "1.0.0" }, expected: NOT_FOUND },
    { ask: { item_id: active.id.toUpperCase(), version: "1.0.0+build.7" }, expected: found("active", "1.0.0", "1.0.0", "1.0.0") },
  ];

  // Plugins: a quarantined newer version, an active one, a deactivated plugin, a pending version, an unknown id.
  const plugin = await approvedPlugin(admin);
  await newVersion(admin, plugin.slug, "1.1.0");
  await ok(patchPluginVersion(plugin.plugin_id, "1.1.0", { status: "quarantined", message: "Phones home" }, admin));
  await newVersion(admin, plugin.slug, "1.2.0", false);
  const deactivated = await approvedPlugin(admin);
  expect((await api(`/api/admin/plugins/${deactivated.plugin_id}/deactivate`, { method: "POST", headers: admin })).status).toBe(200);
  pluginCases = [
    { ask: { plugin_id: plugin.plugin_id, version: "1.1.0" }, expected: found("quarantined", "1.1.0", "1.0.0", "1.0.0") },
    { ask: { plugin_id: plugin.plugin_id, version: "1.0.0" }, expected: found("active", "1.0.0", "1.0.0", "1.0.0") },
    { ask: { plugin_id: plugin.plugin_id, version: "1.2.0" }, expected: NOT_FOUND },
    { ask: { plugin_id: deactivated.plugin_id, version: "1.0.0" }, expected: NOT_FOUND },
    { ask: { plugin_id: crypto.randomUUID(), version: "1.0.0" }, expected: NOT_FOUND },
  ];
});

/** `n` entries cycling through the cases, and the answers they must get, in order. */
function entries<T extends { ask: Ask; expected: object }>(cases: T[], n: number) {
  const picked = Array.from({ length: n }, (_, i) => cases[i % cases.length]!);
  return { asks: picked.map((c) => c.ask), expected: picked.map((c) => ({ ...c.ask, ...c.expected })) };
}

describe("one answer per entry", () => {
  it("answers 100 entries (found, unknown ids and versions, yanked with its message, quarantined asked by a non-admin) in the order asked, items first", async () => {
    const items = entries(itemCases, 70);
    const plugins = entries(pluginCases, 30);
    const response = await ask({ plugins: plugins.asks, items: items.asks }, reader);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    const { results } = (await response.json()) as { results: Verdict[] };
    expect(results).toHaveLength(100);
    expect(results).toEqual([...items.expected, ...plugins.expected]);
  });

  it("gives every caller the same answer: an admin, the quarantined item's publisher and a user in no workspace (never the reason)", async () => {
    const items = entries(itemCases, itemCases.length);
    const plugins = entries(pluginCases, pluginCases.length);
    const expected = [...items.expected, ...plugins.expected];
    const user = bearer((await signedInUser(db())).token);
    for (const headers of [admin, quarantinedPublisher, user]) {
      const response = await ask({ items: items.asks, plugins: plugins.asks }, headers);
      expect(response.status, await response.clone().text()).toBe(200);
      const body = (await response.json()) as { results: Verdict[] };
      expect(body.results).toEqual(expected);
      expect(JSON.stringify(body)).not.toContain("Secret investigation notes");
      expect(JSON.stringify(body)).not.toContain("Phones home");
    }
  });

  it("answers an empty list with no results, and one list alone", async () => {
    const empty = await ask({ items: [] }, reader);
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({ results: [] });
    const pluginsOnly = await ask({ plugins: [pluginCases[0]!.ask] }, reader);
    expect(pluginsOnly.status).toBe(200);
    expect(((await pluginsOnly.json()) as { results: Verdict[] }).results).toEqual([{ ...pluginCases[0]!.ask, ...pluginCases[0]!.expected }]);
  });
});

describe("refusals", () => {
  it("more than 100 entries in all is 400 validation_failed", async () => {
    const one = itemCases[0]!.ask;
    const plugin = pluginCases[0]!.ask;
    for (const body of [
      { items: Array.from({ length: 101 }, () => one) },
      { items: Array.from({ length: 60 }, () => one), plugins: Array.from({ length: 41 }, () => plugin) },
      { plugins: Array.from({ length: 101 }, () => plugin) },
    ]) {
      const response = await ask(body, reader);
      expect(response.status).toBe(400);
      expect((await problem(response)).code).toBe("validation_failed");
    }
  });

  it("no body is 400 (malformed_json with a JSON content type, else validation_failed); an empty object or another shape is 400 validation_failed", async () => {
    const noBody = await api("/api/marketplace/versions/status", { method: "POST", headers: { ...reader, "content-type": "application/json" } });
    expect(noBody.status).toBe(400);
    expect((await problem(noBody)).code).toBe("malformed_json");
    const bare = await api("/api/marketplace/versions/status", { method: "POST", headers: reader });
    expect(bare.status).toBe(400);
    expect((await problem(bare)).code).toBe("validation_failed");
    for (const body of [{}, [], { items: {} }, { item_ids: [itemCases[0]!.ask.item_id] }, { items: [{ item_id: "not-a-uuid", version: "1.0.0" }] }, { items: [{ item_id: crypto.randomUUID(), version: "" }] }, { plugins: [{ item_id: crypto.randomUUID(), version: "1.0.0" }] }]) {
      const response = await ask(body, reader);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await problem(response)).code).toBe("validation_failed");
    }
  });

  it("needs the catalog:read scope (403 for a key without it) but no workspace", async () => {
    const { workspace } = await createWorkspace(db());
    const withoutScope = { "X-API-Key": (await createKey(db(), workspace.id, { scopes: ["items:submit"] })).secret };
    const refused = await ask({ items: [itemCases[0]!.ask] }, withoutScope);
    expect(refused.status).toBe(403);
    expect((await problem(refused)).code).toBe("insufficient_scope");
  });
});
