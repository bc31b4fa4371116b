// @module-tag pglite (status changes append events under an advisory lock)
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCache } from "../../src/clients/cache";
import * as schema from "../../src/db/schema";
import type { Bindings } from "../../src/env";
import { createLogger } from "../../src/lib/logger";
import { contextEntriesKey } from "../../src/services/plugins/context-cache";
import { pluginContentKey } from "../../src/services/plugins/content";
import { changePluginVersionStatus } from "../../src/services/version-status";
import type { VersionStatus } from "../../src/domain/version-status";
import { callWithEnv, DEAD_URL } from "../helpers/app";
import { bearer, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { jsonRequest } from "../helpers/http";
import { pausableRedis as ownRedis, PAUSABLE_CACHE, recover, refuseWrites } from "../helpers/pausable-redis";
import { approvedPlugin, enableAndAssign, tenantWithAgent } from "./in-use-helpers";

// Issue 27 (a taken-down version leaves every assembled context on the next read, its content is
// no longer served) and issue 26 item 3 (a lost invalidation never leaves content served), by
// design.md §29: contexts and content check safety generations kept in PostgreSQL, bumped inside
// the takedown's transaction, so no cache tier outranks a committed takedown whatever Redis did.
// Redis is real throughout: the suite's shared cache, and a redis-server of this file's own (the
// pausable one, test/global-setup.ts) that is driven to `maxmemory`, where it refuses every write
// with OOM but still answers reads and DEL. This file asserts cache hits, so it runs alone
// (test/suite-layout.ts): another file's takedown would turn them into misses.

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;
let adminUserId: string;

beforeAll(async () => {
  const signed = await signedInUser(db(), { systemRole: "admin" });
  admin = bearer(signed.token);
  adminUserId = signed.user.id;
});

type Tenant = Awaited<ReturnType<typeof tenantWithAgent>>;
type Plugin = Awaited<ReturnType<typeof approvedPlugin>>;
type Overrides = Partial<Bindings>;

/** The pausable redis-server behind its own Upstash endpoint: the cache this file drives to maxmemory. */
const OWN_CACHE: Overrides = PAUSABLE_CACHE;
/** No Redis at all for the writer: every invalidation it sends is lost. */
const NO_CACHE: Overrides = { UPSTASH_REDIS_REST_URL: DEAD_URL, CACHE_TIMEOUT_MS: "200" };
/** The memory tier off for one read: it empties the isolate's copies, so the read goes to Redis. */
const MEMORY_OFF: Overrides = { CONTEXT_MEMORY_BYTES: "0" };

afterAll(async () => {
  // Whatever failed, the own redis-server leaves as it came.
  await recover();
});

interface ContextRead {
  status: number;
  cache: string | null;
  tier: string | null;
  text: string;
  pluginIds: string[];
}

/** The agent's assembled context through a fresh app with `overrides` (the isolate's memory tier is shared). */
async function readContext(t: Tenant, overrides: Overrides = {}): Promise<ContextRead> {
  const response = await callWithEnv(`/api/agents/${t.agentId}/assembled-context`, overrides, { headers: t.headers });
  const text = await response.text();
  const pluginIds = response.status === 200 ? (JSON.parse(text) as { plugins: Array<{ plugin_id: string }> }).plugins.map((p) => p.plugin_id) : [];
  return { status: response.status, cache: response.headers.get("x-cache"), tier: response.headers.get("x-cache-tier"), text, pluginIds };
}

/** The plugin content as the tenant asks for it. */
async function readContent(t: Tenant, plugin: Plugin, overrides: Overrides = {}) {
  const response = await callWithEnv(`/api/marketplace/plugins/${plugin.plugin_id}/content`, overrides, { headers: t.headers });
  return { status: response.status, text: await response.text() };
}

/** Both tiers warm and proven so: a miss, a memory hit, a Redis hit from an emptied memory, then memory again. */
async function warm(t: Tenant, plugin: Plugin, cache: Overrides = {}): Promise<void> {
  const first = await readContext(t, cache);
  expect(first.status).toBe(200);
  expect(first.pluginIds).toEqual([plugin.plugin_id]);
  expect(first.text).toContain(plugin.marker);
  const fromMemory = await readContext(t, cache);
  expect([fromMemory.cache, fromMemory.tier]).toEqual(["hit", "memory"]);
  const fromRedis = await readContext(t, { ...cache, ...MEMORY_OFF });
  expect([fromRedis.cache, fromRedis.tier]).toEqual(["hit", "redis"]);
  expect(fromRedis.text).toBe(first.text);
  expect((await readContext(t, cache)).tier).toBe("redis"); // kept in memory again
  expect((await readContext(t, cache)).tier).toBe("memory");
}

/** The next read never has the plugin: not in `plugins[]`, not in the prompt, never a hit of the old body. */
function expectWithout(read: ContextRead, plugin: Plugin): void {
  expect(read.status).toBe(200);
  expect(read.pluginIds).not.toContain(plugin.plugin_id);
  expect(read.text).not.toContain(plugin.marker);
}

/** A status change as a platform admin through the one status service, its invalidation sent to `cache`. */
function setStatus(plugin: Plugin, status: VersionStatus, cache: Overrides = {}) {
  const deps = { db: db(), cache: createCache({ ...env, ...cache }, createLogger({}, "error")), actor: { actorType: "user" as const, actorId: adminUserId }, requestId: null };
  return changePluginVersionStatus(deps, plugin.plugin_id, { version: "1.0.0", status, message: status === "active" ? null : `Taken down: ${status}`, requester: "admin" });
}

/** A plugin enabled in a fresh workspace and assigned to its agent. */
async function pluginInUse() {
  const plugin = await approvedPlugin(admin);
  const tenant = await tenantWithAgent(db());
  await enableAndAssign(tenant, [plugin.plugin_id]);
  return { plugin, tenant };
}

describe("a quarantined or revoked version leaves the assembled context on the next read (happy)", () => {
  it("quarantined: gone from the next read with both tiers warm, content 403; released: back on the next read", async () => {
    const { plugin, tenant } = await pluginInUse();
    await warm(tenant, plugin);
    expect((await readContent(tenant, plugin)).status).toBe(200);

    await setStatus(plugin, "quarantined");
    const after = await readContext(tenant);
    expect(after.cache).toBe("miss");
    expectWithout(after, plugin);
    const content = await readContent(tenant, plugin);
    expect(content.status).toBe(403);
    expect(JSON.parse(content.text)).toMatchObject({ code: "version_quarantined" });
    expect(content.text).not.toContain(plugin.marker);
    // The enablement and assignment stay: a quarantine is reversible.
    expect((await readContext(tenant)).pluginIds).toEqual([]);

    await setStatus(plugin, "active");
    const released = await readContext(tenant);
    expect(released.cache).toBe("miss");
    expect(released.pluginIds).toEqual([plugin.plugin_id]);
    expect(released.text).toContain(plugin.marker);
    expect((await readContent(tenant, plugin)).status).toBe(200);
  });

  it("revoked: the enablement and the agent's assignment are gone, and so is the plugin from the next read", async () => {
    const { plugin, tenant } = await pluginInUse();
    await warm(tenant, plugin);
    const result = await setStatus(plugin, "revoked");
    expect(result).toMatchObject({ status: "revoked" });
    const enablements = await db()
      .select()
      .from(schema.workspaceEnabledPlugins)
      .where(and(eq(schema.workspaceEnabledPlugins.workspaceId, tenant.workspace.id), eq(schema.workspaceEnabledPlugins.pluginId, plugin.plugin_id)));
    expect(enablements).toEqual([]);
    expect(await db().select().from(schema.agentAssignedPlugins).where(eq(schema.agentAssignedPlugins.agentId, tenant.agentId))).toEqual([]);
    const after = await readContext(tenant);
    expect(after.cache).toBe("miss");
    expectWithout(after, plugin);
    expect((await readContent(tenant, plugin)).status).toBe(404);
  });

  it("a deprecated or yanked pin stays in the context (design.md §34: only quarantined and revoked leave it)", async () => {
    const { plugin, tenant } = await pluginInUse();
    for (const status of ["deprecated", "yanked"] as const) {
      await setStatus(plugin, status);
      const read = await readContext(tenant);
      expect(read.pluginIds, status).toEqual([plugin.plugin_id]);
      expect(read.text).toContain(plugin.marker);
      expect((await readContent(tenant, plugin)).status, status).toBe(200);
    }
  });
});

/** Each takedown, committed with its invalidations sent to `writer` (the own cache at maxmemory, or none). */
const takedowns: Record<string, (t: Tenant, plugin: Plugin, writer: Overrides) => Promise<void>> = {
  deactivate: async (_t, plugin, writer) => {
    const response = await callWithEnv(`/api/admin/plugins/${plugin.plugin_id}/deactivate`, writer, jsonRequest("POST", {}, admin));
    expect(response.status).toBe(200);
  },
  disable: async (t, plugin, writer) => {
    const response = await callWithEnv(`/api/workspaces/${t.workspace.id}/plugins/${plugin.plugin_id}`, writer, { method: "DELETE", headers: t.headers });
    expect(response.status).toBe(200);
  },
  quarantine: async (_t, plugin, writer) => {
    expect(await setStatus(plugin, "quarantined", writer)).toMatchObject({ status: "quarantined" });
  },
  revoke: async (_t, plugin, writer) => {
    expect(await setStatus(plugin, "revoked", writer)).toMatchObject({ status: "revoked" });
  },
};

/** The stored Redis entry of the agent's context in the own cache (its tag), or null. */
async function storedTag(t: Tenant): Promise<string | null> {
  const { result } = await ownRedis("HGET", contextEntriesKey(t.workspace.id), t.agentId);
  return typeof result === "string" ? (JSON.parse(result) as { tag: string }).tag : null;
}

describe("a committed takedown is never served from a cache, whatever Redis did (security; issue 26 item 3)", () => {
  for (const [name, takedown] of Object.entries(takedowns)) {
    it(`${name} with Redis refusing writes (OOM at maxmemory): not in the next context or content read, from either warm tier, nor after Redis recovers`, async () => {
      const { plugin, tenant } = await pluginInUse();
      await warm(tenant, plugin, OWN_CACHE);
      expect((await readContent(tenant, plugin, OWN_CACHE)).text).toContain(plugin.marker);
      const [version] = await db().select().from(schema.pluginVersions).where(eq(schema.pluginVersions.pluginId, plugin.plugin_id));
      const contentKey = pluginContentKey({ pluginId: plugin.plugin_id, version: version!.version, bundleSha256: version!.bundleSha256 });
      expect((await ownRedis("EXISTS", contentKey)).result).toBe(1);
      const warmTag = await storedTag(tenant);
      expect(warmTag).not.toBeNull();

      try {
        await refuseWrites();
        await takedown(tenant, plugin, OWN_CACHE);

        // The memory tier holds the old body under the old tag: not served.
        const next = await readContext(tenant, OWN_CACHE);
        expect(next.cache).toBe("miss");
        expectWithout(next, plugin);
        // Redis refused to store the new body, so the old entry is still there: not served either.
        expect(await storedTag(tenant)).toBe(warmTag);
        const fromRedisTier = await readContext(tenant, { ...OWN_CACHE, ...MEMORY_OFF });
        expect(fromRedisTier.cache).toBe("miss");
        expectWithout(fromRedisTier, plugin);
        const content = await readContent(tenant, plugin, OWN_CACHE);
        expect([403, 404]).toContain(content.status);
        expect(content.text).not.toContain(plugin.marker);
      } finally {
        await recover();
      }

      // Redis is back (and the catalog token may be new): still never the plugin, from any tier.
      for (const overrides of [OWN_CACHE, { ...OWN_CACHE, ...MEMORY_OFF }, OWN_CACHE, OWN_CACHE]) expectWithout(await readContext(tenant, overrides), plugin);
      const content = await readContent(tenant, plugin, OWN_CACHE);
      expect([403, 404]).toContain(content.status);
      expect(content.text).not.toContain(plugin.marker);
    });

    it(`${name} whose every invalidation was lost (the writer had no Redis): not in the next read from a healthy Redis holding the old entry and catalog token`, async () => {
      const { plugin, tenant } = await pluginInUse();
      await warm(tenant, plugin, OWN_CACHE);
      const catalogToken = (await ownRedis("GET", "catalog:generation")).result;
      await takedown(tenant, plugin, NO_CACHE);
      // Nothing reached this Redis: the catalog token (which every takedown would DEL) is unchanged.
      expect((await ownRedis("GET", "catalog:generation")).result).toBe(catalogToken);
      const next = await readContext(tenant, OWN_CACHE);
      expect(next.cache).toBe("miss");
      expectWithout(next, plugin);
      // Another isolate (memory emptied) finds the entry just stored under the new tag, never the old one.
      expectWithout(await readContext(tenant, { ...OWN_CACHE, ...MEMORY_OFF }), plugin);
      const content = await readContent(tenant, plugin, OWN_CACHE);
      expect([403, 404]).toContain(content.status);
      expect(content.text).not.toContain(plugin.marker);
    });
  }
});
