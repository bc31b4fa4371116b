import { beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, post } from "../publishing/helpers";
import { createKey } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createWorkspace, uniqueToken } from "../helpers/factories";
import { callWithEnv, DEAD_URL } from "../helpers/app";
import { api } from "../helpers/http";
import { listPluginsAs } from "./browse-fixtures";
import { bundle, manifestFor, uniqueSlug, upload } from "./fixtures";

// Issue 15 item 1: plugin reads are cached like the item catalog (generation + ETag), and every
// moderation change that alters what non-admins see bumps the generation, so no stale page is served.
const clients = useDatabase();
const db = () => clients.pool;
let reader: Record<string, string>;
let admin: Record<string, string>;

beforeAll(async () => {
  const { workspace } = await createWorkspace(db());
  reader = { "X-API-Key": (await createKey(db(), workspace.id, { scopes: ["catalog:read"] })).secret };
  admin = await adminHeaders(db());
});

/** Uploads a version of `slug` tagged `tag` through the real pipeline; returns the plugin id. */
async function uploadVersion(slug: string, tag: string, version: string, extra: Record<string, unknown> = {}) {
  const response = await upload(bundle({ slug, manifest: manifestFor(slug, { version, tags: [tag], ...extra }) }), admin);
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as { plugin_id: string }).plugin_id;
}

async function approved(slug: string, tag: string, version = "1.0.0") {
  const id = await uploadVersion(slug, tag, version);
  expect((await post(`/api/admin/plugins/${id}/approve`, {}, admin)).status).toBe(200);
  return id;
}

/** Reads `query` twice: the second must be a cache hit (nothing changed in between). */
async function warm(query: string) {
  const first = await listPluginsAs(reader, query);
  const second = await listPluginsAs(reader, query);
  expect(second.cache).toBe("hit");
  expect(second.items).toEqual(first.items);
  return second;
}

describe("plugin reads are cached", () => {
  it("serves a repeated list from the cache with an ETag, and 304 on If-None-Match", async () => {
    const tag = uniqueToken("pc");
    await approved(uniqueSlug(), tag);
    const path = `/api/marketplace/plugins?tags=${tag}`;
    const first = await api(path, { headers: reader });
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"g[0-9a-f]{8}-[0-9a-f]{16}"$/);
    expect(first.headers.get("cache-control")).toBe("private, max-age=60");
    const second = await api(path, { headers: reader });
    expect(second.headers.get("x-cache")).toBe("hit");
    expect(await second.json()).toEqual(await first.json());
    const revalidated = await api(path, { headers: { ...reader, "If-None-Match": etag } });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe("");
  });

  it("caches the detail and the categories too", async () => {
    const id = await approved(uniqueSlug(), uniqueToken("pc"));
    for (const path of [`/api/marketplace/plugins/${id}`, "/api/marketplace/plugins/categories"]) {
      const first = await api(path, { headers: reader });
      expect(first.status).toBe(200);
      expect(first.headers.get("etag"), path).toMatch(/^"g[0-9a-f]{8}-/);
      const second = await api(path, { headers: reader });
      expect(second.headers.get("x-cache"), path).toBe("hit");
    }
  });

  it("does not cache a 404: a plugin approved after a miss is found at once", async () => {
    const tag = uniqueToken("pc");
    const slug = uniqueSlug();
    const id = await uploadVersion(slug, tag, "1.0.0");
    expect((await api(`/api/marketplace/plugins/${id}`, { headers: reader })).status).toBe(404);
    expect((await post(`/api/admin/plugins/${id}/approve`, {}, admin)).status).toBe(200);
    expect((await api(`/api/marketplace/plugins/${id}`, { headers: reader })).status).toBe(200);
  });
});

describe("with Redis unreachable", () => {
  it("still answers the plugin list and detail from the database", async () => {
    const tag = uniqueToken("pc");
    const id = await approved(uniqueSlug(), tag);
    const noCache = { UPSTASH_REDIS_REST_URL: DEAD_URL, CACHE_TIMEOUT_MS: "200" };
    const list = await callWithEnv(`/api/marketplace/plugins?tags=${tag}`, noCache, { headers: reader });
    expect(list.status).toBe(200);
    expect(list.headers.get("x-cache")).toBe("miss");
    expect(((await list.json()) as { items: Array<{ id: string }> }).items.map((i) => i.id)).toEqual([id]);
    expect((await callWithEnv(`/api/marketplace/plugins/${id}`, noCache, { headers: reader })).status).toBe(200);
  });
});

describe("moderation invalidates the cached pages", () => {
  it("approve: a newly approved plugin shows on the next read", async () => {
    const tag = uniqueToken("pc");
    const listed = await approved(uniqueSlug(), tag);
    const pendingId = await uploadVersion(uniqueSlug(), tag, "1.0.0");
    expect((await warm(`tags=${tag}`)).items.map((i) => i.id)).toEqual([listed]);
    expect((await post(`/api/admin/plugins/${pendingId}/approve`, {}, admin)).status).toBe(200);
    const after = await listPluginsAs(reader, `tags=${tag}`);
    expect(after.cache).toBe("miss");
    expect(after.items.map((i) => i.id).sort()).toEqual([listed, pendingId].sort());
  });

  it("a new version: uploading it changes nothing public, approving it shows it in list and detail", async () => {
    const tag = uniqueToken("pc");
    const slug = uniqueSlug();
    const id = await approved(slug, tag);
    const detailPath = `/api/marketplace/plugins/${id}`;
    expect((await warm(`tags=${tag}`)).items[0]).toMatchObject({ version: "1.0.0" });
    await api(detailPath, { headers: reader });
    await uploadVersion(slug, tag, "1.1.0", { name: `Renamed ${slug}` });
    expect((await listPluginsAs(reader, `tags=${tag}`)).items[0]).toMatchObject({ version: "1.0.0" });
    expect((await post(`/api/admin/plugins/${id}/approve`, {}, admin)).status).toBe(200);
    expect((await listPluginsAs(reader, `tags=${tag}`)).items[0]).toMatchObject({ version: "1.1.0", name: `Renamed ${slug}` });
    const detail = (await (await api(detailPath, { headers: reader })).json()) as { version: string; versions: Array<{ version: string }> };
    expect(detail.version).toBe("1.1.0");
    expect(detail.versions.map((v) => v.version)).toEqual(["1.1.0", "1.0.0"]);
  });

  it("reject: bumps the generation (a fresh page, same content for non-admins)", async () => {
    const tag = uniqueToken("pc");
    const slug = uniqueSlug();
    const id = await approved(slug, tag);
    await uploadVersion(slug, tag, "2.0.0");
    const before = await warm(`tags=${tag}`);
    expect((await post(`/api/admin/plugins/${id}/reject`, { reason: "Not this one" }, admin)).status).toBe(200);
    const after = await listPluginsAs(reader, `tags=${tag}`);
    expect(after.cache).toBe("miss");
    expect(after.etag).not.toBe(before.etag);
    expect(after.items).toEqual(before.items);
  });

  it("deactivate hides the plugin from list and detail; reactivate brings it back", async () => {
    const tag = uniqueToken("pc");
    const id = await approved(uniqueSlug(), tag);
    const detailPath = `/api/marketplace/plugins/${id}`;
    expect((await warm(`tags=${tag}`)).total).toBe(1);
    expect((await api(detailPath, { headers: reader })).status).toBe(200);
    expect((await post(`/api/admin/plugins/${id}/deactivate`, {}, admin)).status).toBe(200);
    expect((await listPluginsAs(reader, `tags=${tag}`)).total).toBe(0);
    expect((await api(detailPath, { headers: reader })).status).toBe(404);
    expect((await post(`/api/admin/plugins/${id}/reactivate`, {}, admin)).status).toBe(200);
    expect((await listPluginsAs(reader, `tags=${tag}`)).total).toBe(1);
    expect((await api(detailPath, { headers: reader })).status).toBe(200);
  });

  it("delete removes the plugin from list and detail", async () => {
    const tag = uniqueToken("pc");
    const id = await approved(uniqueSlug(), tag);
    const detailPath = `/api/marketplace/plugins/${id}`;
    expect((await warm(`tags=${tag}`)).total).toBe(1);
    expect((await api(detailPath, { headers: reader })).status).toBe(200);
    expect((await api(detailPath, { headers: reader })).headers.get("x-cache")).toBe("hit");
    expect((await api(`/api/admin/plugins/${id}`, { method: "DELETE", headers: admin })).status).toBe(200);
    expect((await listPluginsAs(reader, `tags=${tag}`)).total).toBe(0);
    expect((await api(detailPath, { headers: reader })).status).toBe(404);
  });
});
