import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { PLUGIN_CONTENT_TTL_SECONDS, pluginContentKey } from "../../src/services/plugins/content";
import { callWithEnv, DEAD_URL } from "../helpers/app";
import { createKey } from "../helpers/auth";
import { testRedis } from "../helpers/cache";
import { useDatabase } from "../helpers/db";
import { api, jsonRequest } from "../helpers/http";
import { adminHeaders, workspaceOwner } from "../publishing/helpers";
import { approvedPlugin, enable, newVersion } from "./in-use-helpers";

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

const content = (pluginId: string, headers: Record<string, string>) => api(`/api/marketplace/plugins/${pluginId}/content`, { headers });

/** The cache key of the version a workspace has pinned. */
async function pinnedKey(workspaceId: string, pluginId: string) {
  const [row] = await db()
    .select({ version: schema.pluginVersions })
    .from(schema.workspaceEnabledPlugins)
    .innerJoin(schema.pluginVersions, eq(schema.pluginVersions.id, schema.workspaceEnabledPlugins.pluginVersionId))
    .where(eq(schema.workspaceEnabledPlugins.workspaceId, workspaceId));
  return pluginContentKey(row!.version);
}

async function enabledTenant(pluginId: string) {
  const owner = await workspaceOwner(db());
  expect((await enable(owner.headers, owner.workspace.id, pluginId)).status).toBe(201);
  return owner;
}

describe("GET /api/marketplace/plugins/{id}/content", () => {
  it("gives a workspace that enabled the plugin its pinned version's files, even after a newer approval", async () => {
    const plugin = await approvedPlugin(admin);
    const owner = await enabledTenant(plugin.plugin_id);
    const newer = await newVersion(admin, plugin.slug, "1.1.0");
    const response = await content(plugin.plugin_id, owner.headers);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { version: string; pinned: boolean; files: Record<string, string> };
    expect(body).toMatchObject({ plugin_id: plugin.plugin_id, slug: plugin.slug, version: "1.0.0", pinned: true });
    expect(body.files["skills/review/SKILL.md"]).toContain(plugin.marker);
    expect(JSON.stringify(body)).not.toContain(newer.marker);
    expect(Object.keys(body.files)).toContain("manifest.json");
  });

  it("answers 404 to a workspace that has not enabled the plugin, and to a user naming no workspace", async () => {
    const plugin = await approvedPlugin(admin);
    const stranger = await workspaceOwner(db());
    const refused = await content(plugin.plugin_id, stranger.headers);
    expect(refused.status).toBe(404);
    const text = await refused.text();
    expect(JSON.parse(text)).toMatchObject({ code: "plugin_not_found" });
    expect(text).not.toContain(plugin.marker);
    const { "X-Workspace-ID": _ignored, ...noWorkspace } = stranger.headers;
    expect((await content(plugin.plugin_id, noWorkspace)).status).toBe(404);
  });

  it("serves an API key of the enabling workspace without a header, and a platform admin without enablement", async () => {
    const plugin = await approvedPlugin(admin);
    const owner = await enabledTenant(plugin.plugin_id);
    const key = await createKey(db(), owner.workspace.id, { scopes: ["catalog:read"] });
    expect((await content(plugin.plugin_id, { "X-API-Key": key.secret })).status).toBe(200);
    const asAdmin = await content(plugin.plugin_id, admin);
    expect(asAdmin.status).toBe(200);
    expect(await asAdmin.json()).toMatchObject({ version: "1.0.0", pinned: false });
  });
});

describe("the plugin content cache", () => {
  it("stores a version's content in Redis with a TTL of exactly 3600 s and serves it from there", async () => {
    const plugin = await approvedPlugin(admin);
    const owner = await enabledTenant(plugin.plugin_id);
    const key = await pinnedKey(owner.workspace.id, plugin.plugin_id);
    await testRedis().del(key);
    expect((await content(plugin.plugin_id, owner.headers)).status).toBe(200);
    expect(PLUGIN_CONTENT_TTL_SECONDS).toBe(3600);
    const ttl = await testRedis().ttl(key);
    expect(ttl).toBeGreaterThan(3590);
    expect(ttl).toBeLessThanOrEqual(3600);
    // Served from Redis: an object removed from R2 behind the cache's back still shows.
    await env.BUNDLES.delete(`plugins/${plugin.slug}/1.0.0/README.md`);
    const body = (await (await content(plugin.plugin_id, owner.headers)).json()) as { files: Record<string, string> };
    expect(body.files["README.md"]).toBeDefined();
  });

  it("reads R2 directly and still answers 200 with Redis down", async () => {
    const plugin = await approvedPlugin(admin);
    const owner = await enabledTenant(plugin.plugin_id);
    const response = await callWithEnv(`/api/marketplace/plugins/${plugin.plugin_id}/content`, { UPSTASH_REDIS_REST_URL: DEAD_URL }, { headers: owner.headers });
    expect(response.status).toBe(200);
    expect(JSON.stringify(await response.json())).toContain(plugin.marker);
  });

  it("deactivation and deletion drop the cached content", async () => {
    for (const action of ["deactivate", "delete"] as const) {
      const plugin = await approvedPlugin(admin);
      const owner = await enabledTenant(plugin.plugin_id);
      const key = await pinnedKey(owner.workspace.id, plugin.plugin_id);
      expect((await content(plugin.plugin_id, owner.headers)).status).toBe(200);
      expect(await testRedis().exists(key)).toBe(1);
      const done =
        action === "deactivate"
          ? await api(`/api/admin/plugins/${plugin.plugin_id}/deactivate`, jsonRequest("POST", {}, admin))
          : await api(`/api/admin/plugins/${plugin.plugin_id}`, { method: "DELETE", headers: admin });
      expect(done.status).toBe(200);
      expect(await testRedis().exists(key)).toBe(0);
      expect((await content(plugin.plugin_id, owner.headers)).status).toBe(404);
    }
  });
});
