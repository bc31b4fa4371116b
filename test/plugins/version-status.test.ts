// @module-tag pglite (status changes append events under an advisory lock)
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createCache } from "../../src/clients/cache";
import * as schema from "../../src/db/schema";
import type { VersionStatus } from "../../src/domain/version-status";
import { createLogger } from "../../src/lib/logger";
import { changePluginVersionStatus } from "../../src/services/version-status";
import { bearer, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { uniqueToken } from "../helpers/factories";
import { api, jsonRequest, problem } from "../helpers/http";
import { catalogReaderHeaders, post, workspaceOwner } from "../publishing/helpers";
import { bundle, manifestFor, uniqueSlug, upload } from "./fixtures";
import { enable } from "./in-use-helpers";

/**
 * Everything that reads a plugin version's status (issue 27 item 1, design.md §33–§35, §39):
 * detail, listing, enable, the enabled list, pin updates, content, and approval's listed version.
 * Statuses are set through the one status service; everything else is read over HTTP.
 */

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;
let adminUserId: string;
let reader: Record<string, string>;

beforeAll(async () => {
  const signed = await signedInUser(db(), { systemRole: "admin" });
  admin = bearer(signed.token);
  adminUserId = signed.user.id;
  reader = await catalogReaderHeaders(db());
});

/** Sets a version's status as a platform admin, through the status service (design.md §23). */
function setStatus(pluginId: string, version: string, status: VersionStatus, message: string | null = `Reason for ${status}`) {
  const deps = { db: db(), cache: createCache(env, createLogger({})), actor: { actorType: "user" as const, actorId: adminUserId }, requestId: null };
  return changePluginVersionStatus(deps, pluginId, { version, status, message, requester: "admin" });
}

/** A plugin tagged with a token unique to the test (catalog rows belong to no tenant), its versions uploaded in order and approved unless listed in `pending`. */
async function pluginWith(versions: string[], opts: { pending?: string[] } = {}) {
  const slug = uniqueSlug("vst");
  const tag = uniqueToken("vst");
  let pluginId = "";
  for (const version of versions) {
    const response = await upload(bundle({ slug, manifest: manifestFor(slug, { version, tags: [tag], changelog: `Changes in ${version}` }) }), admin);
    expect(response.status).toBe(201);
    pluginId = ((await response.json()) as { plugin_id: string }).plugin_id;
    if (!opts.pending?.includes(version)) expect((await approve(pluginId, version)).status).toBe(200);
  }
  return { pluginId, slug, tag };
}

const approve = (pluginId: string, version: string) => post(`/api/admin/plugins/${pluginId}/approve`, { version }, admin);

async function detail(pluginId: string, headers: Record<string, string>) {
  const response = await api(`/api/marketplace/plugins/${pluginId}`, { headers });
  return { status: response.status, body: response.status === 200 ? ((await response.json()) as PluginDetail) : null, text: response.status === 200 ? "" : await response.text() };
}

interface PluginDetail {
  version: string | null;
  installable: boolean;
  versions: Array<{ version: string; status: string; status_message: string | null; lifecycle: string }>;
}

async function listedIds(tag: string, headers: Record<string, string>) {
  const response = await api(`/api/marketplace/plugins?tags=${tag}`, { headers });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Array<{ id: string; version: string | null; installable: boolean }> }).items;
}

interface EnabledRow {
  plugin_id: string;
  version: string;
  version_status: string;
  status_message: string | null;
  update: string | null;
  update_available: boolean;
  latest_version: string;
  listed_version: string | null;
  safe_version: string | null;
}

async function enabledRows(owner: { headers: Record<string, string>; workspace: { id: string } }) {
  const response = await api(`/api/workspaces/${owner.workspace.id}/plugins`, { headers: owner.headers });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: EnabledRow[] }).items;
}

/** POST …/update with a JSON body, or (`body: null`) with none at all. */
const updatePin = (owner: { headers: Record<string, string>; workspace: { id: string } }, pluginId: string, body: unknown = {}) =>
  api(
    `/api/workspaces/${owner.workspace.id}/plugins/${pluginId}/update`,
    body === null ? { method: "POST", headers: owner.headers } : jsonRequest("POST", body, owner.headers),
  );

const content = (pluginId: string, headers: Record<string, string>) => api(`/api/marketplace/plugins/${pluginId}/content`, { headers });

async function listedVersionId(pluginId: string) {
  const [row] = await db().select({ id: schema.marketplacePlugins.latestVersionId }).from(schema.marketplacePlugins).where(eq(schema.marketplacePlugins.id, pluginId));
  if (!row?.id) return null;
  const [version] = await db().select({ version: schema.pluginVersions.version }).from(schema.pluginVersions).where(eq(schema.pluginVersions.id, row.id));
  return version!.version;
}

describe("plugin detail: each version's status", () => {
  it("shows status, status_message (notices only) and the lifecycle alias; non-admins never see quarantined or revoked versions", async () => {
    const { pluginId } = await pluginWith(["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"]);
    await setStatus(pluginId, "1.0.0", "deprecated", "Use 1.3.0 instead");
    await setStatus(pluginId, "1.1.0", "yanked", "Corrupts state");
    await setStatus(pluginId, "1.2.0", "quarantined", "secret-takedown-reason");
    await setStatus(pluginId, "1.4.0", "revoked", "secret-revoke-reason");

    const asReader = await detail(pluginId, reader);
    expect(asReader.status).toBe(200);
    expect(asReader.body!.version).toBe("1.3.0");
    expect(asReader.body!.installable).toBe(true);
    expect(asReader.body!.versions.map((v) => ({ version: v.version, status: v.status, status_message: v.status_message, lifecycle: v.lifecycle }))).toEqual([
      { version: "1.3.0", status: "active", status_message: null, lifecycle: "active" },
      { version: "1.1.0", status: "yanked", status_message: "Corrupts state", lifecycle: "yanked" },
      { version: "1.0.0", status: "deprecated", status_message: "Use 1.3.0 instead", lifecycle: "deprecated" },
    ]);

    const asAdmin = await detail(pluginId, admin);
    // Admins read the takedown reasons too: their answers are never cached or shared.
    expect(asAdmin.body!.versions.map((v) => [v.version, v.status, v.status_message])).toEqual([
      ["1.4.0", "revoked", "secret-revoke-reason"],
      ["1.3.0", "active", null],
      ["1.2.0", "quarantined", "secret-takedown-reason"],
      ["1.1.0", "yanked", "Corrupts state"],
      ["1.0.0", "deprecated", "Use 1.3.0 instead"],
    ]);
    // The admin's answer never reached the shared cache: a reader after it still sees no reason.
    expect(JSON.stringify((await detail(pluginId, reader)).body)).not.toContain("secret-");
  });
});

describe("plugin listing: visibility by status", () => {
  it("a plugin whose only approved version is quarantined leaves list and detail for non-admins until released; admins still see it", async () => {
    const { pluginId, tag } = await pluginWith(["1.0.0"]);
    expect((await listedIds(tag, reader)).map((p) => p.id)).toEqual([pluginId]);

    await setStatus(pluginId, "1.0.0", "quarantined");
    expect(await listedIds(tag, reader)).toEqual([]);
    const hidden = await detail(pluginId, reader);
    expect(hidden.status).toBe(404);
    expect(JSON.parse(hidden.text)).toMatchObject({ code: "plugin_not_found" });
    expect(await listedIds(tag, admin)).toEqual([expect.objectContaining({ id: pluginId, installable: false })]);
    expect((await detail(pluginId, admin)).status).toBe(200);

    await setStatus(pluginId, "1.0.0", "active", null);
    expect(await listedIds(tag, reader)).toEqual([expect.objectContaining({ id: pluginId, version: "1.0.0", installable: true })]);
    expect((await detail(pluginId, reader)).status).toBe(200);
  });

  it("a plugin whose versions are all yanked stays listed with installable: false and its highest yanked version", async () => {
    // Uploaded highest first, and 1.10.0 sorts below 1.9.0 as text: only semver precedence picks it.
    const { pluginId, tag } = await pluginWith(["1.10.0", "1.9.0"]);
    await setStatus(pluginId, "1.10.0", "yanked", "Broken");
    await setStatus(pluginId, "1.9.0", "yanked", "Broken too");
    expect(await listedIds(tag, reader)).toEqual([expect.objectContaining({ id: pluginId, version: "1.10.0", installable: false })]);
    const shown = await detail(pluginId, reader);
    expect(shown.body).toMatchObject({ version: "1.10.0", installable: false });
    expect(shown.body!.versions.map((v) => v.status)).toEqual(["yanked", "yanked"]);
  });
});

describe("enabling and the enabled list", () => {
  it("enable pins the listed version, never a yanked one; un-yanking offers it as the update", async () => {
    const { pluginId } = await pluginWith(["1.0.0", "1.1.0"]);
    await setStatus(pluginId, "1.1.0", "yanked", "Broken");
    const owner = await workspaceOwner(db());
    const enabled = await enable(owner.headers, owner.workspace.id, pluginId);
    expect(enabled.status).toBe(201);
    expect(await enabled.json()).toMatchObject({ version: "1.0.0" });
    expect(await enabledRows(owner)).toEqual([
      expect.objectContaining({
        plugin_id: pluginId,
        version: "1.0.0",
        version_status: "active",
        update: null,
        update_available: false,
        latest_version: "1.0.0",
        listed_version: "1.0.0",
        safe_version: "1.0.0",
      }),
    ]);
    const refused = await updatePin(owner, pluginId);
    expect(refused.status).toBe(409);
    expect((await problem(refused)).code).toBe("up_to_date");

    await setStatus(pluginId, "1.1.0", "active", null);
    expect(await enabledRows(owner)).toEqual([expect.objectContaining({ version: "1.0.0", update: "1.1.0", update_available: true, listed_version: "1.1.0" })]);
    const moved = await updatePin(owner, pluginId, null);
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ version: "1.1.0" });
  });

  it("a pin on a yanked version says so, offers no update, and moves down to the safe version only when asked by name", async () => {
    const { pluginId } = await pluginWith(["1.0.0", "1.1.0"]);
    const owner = await workspaceOwner(db());
    expect(await (await enable(owner.headers, owner.workspace.id, pluginId)).json()).toMatchObject({ version: "1.1.0" });
    await setStatus(pluginId, "1.1.0", "yanked", "Corrupts state");

    expect(await enabledRows(owner)).toEqual([
      expect.objectContaining({
        version: "1.1.0",
        version_status: "yanked",
        status_message: "Corrupts state",
        update: null,
        update_available: false,
        latest_version: "1.1.0",
        listed_version: "1.0.0",
        safe_version: "1.0.0",
      }),
    ]);
    const noUpdate = await updatePin(owner, pluginId);
    expect(noUpdate.status).toBe(409);
    const refused = await problem(noUpdate);
    expect(refused.code).toBe("up_to_date");
    expect(refused.detail).toContain("1.0.0");

    const notOffered = await updatePin(owner, pluginId, { version: "9.9.9" });
    expect(notOffered.status).toBe(400);
    expect((await problem(notOffered)).code).toBe("version_not_offered");

    const down = await updatePin(owner, pluginId, { version: "1.0.0" });
    expect(down.status).toBe(200);
    expect(await down.json()).toMatchObject({ version: "1.0.0" });
    expect(await enabledRows(owner)).toEqual([expect.objectContaining({ version: "1.0.0", version_status: "active", status_message: null, safe_version: "1.0.0" })]);
  });

  it("says quarantined (without the reason) for a workspace pinned to a quarantined version, and after a revoke the enablement is gone", async () => {
    const { pluginId } = await pluginWith(["1.0.0", "1.1.0"]);
    const owner = await workspaceOwner(db());
    expect(await (await enable(owner.headers, owner.workspace.id, pluginId)).json()).toMatchObject({ version: "1.1.0" });
    await setStatus(pluginId, "1.1.0", "quarantined", "secret-takedown-reason");

    const rows = await enabledRows(owner);
    expect(rows).toEqual([
      expect.objectContaining({ version: "1.1.0", version_status: "quarantined", status_message: null, update: null, listed_version: "1.0.0", safe_version: "1.0.0" }),
    ]);
    expect(JSON.stringify(rows)).not.toContain("secret-takedown-reason");

    await setStatus(pluginId, "1.1.0", "revoked", "Confirmed malicious");
    expect(await enabledRows(owner)).toEqual([]);
  });

  it("a plugin whose only versions are yanked answers 409 no_installable_version; only quarantined: 404 plugin_not_found", async () => {
    const yanked = await pluginWith(["1.0.0"]);
    await setStatus(yanked.pluginId, "1.0.0", "yanked", "Broken");
    const quarantined = await pluginWith(["1.0.0"]);
    await setStatus(quarantined.pluginId, "1.0.0", "quarantined");
    const owner = await workspaceOwner(db());

    const noVersion = await enable(owner.headers, owner.workspace.id, yanked.pluginId);
    expect(noVersion.status).toBe(409);
    expect((await problem(noVersion)).code).toBe("no_installable_version");
    const hidden = await enable(owner.headers, owner.workspace.id, quarantined.pluginId);
    expect(hidden.status).toBe(404);
    expect((await problem(hidden)).code).toBe("plugin_not_found");
    expect(await enabledRows(owner)).toEqual([]);
  });
});

describe("plugin content and version status (security)", () => {
  it("answers 403 version_quarantined to a workspace pinned to a quarantined version; released, it is served again; an admin still reads it", async () => {
    const { pluginId } = await pluginWith(["1.0.0"]);
    const owner = await workspaceOwner(db());
    expect((await enable(owner.headers, owner.workspace.id, pluginId)).status).toBe(201);
    expect((await content(pluginId, owner.headers)).status).toBe(200);

    await setStatus(pluginId, "1.0.0", "quarantined", "secret-takedown-reason");
    const refused = await content(pluginId, owner.headers);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    const text = await refused.text();
    expect(JSON.parse(text)).toMatchObject({ code: "version_quarantined" });
    expect(text).not.toContain("secret-takedown-reason");
    expect((await content(pluginId, admin)).status).toBe(200);

    await setStatus(pluginId, "1.0.0", "active", null);
    expect(await (await content(pluginId, owner.headers)).json()).toMatchObject({ version: "1.0.0", pinned: true });

    await setStatus(pluginId, "1.0.0", "revoked", "Confirmed malicious");
    const gone = await content(pluginId, owner.headers);
    expect(gone.status).toBe(404);
    expect((await problem(gone)).code).toBe("plugin_not_found");
  });

  it("answers 404 plugin_not_found for an inactive plugin even while an enablement row remains", async () => {
    const { pluginId } = await pluginWith(["1.0.0"]);
    const owner = await workspaceOwner(db());
    expect((await enable(owner.headers, owner.workspace.id, pluginId)).status).toBe(201);
    // What a content read racing a deactivation sees: the flag already off, the enablement not yet gone.
    await db().update(schema.marketplacePlugins).set({ isActive: false }).where(eq(schema.marketplacePlugins.id, pluginId));
    const refused = await content(pluginId, owner.headers);
    expect(refused.status).toBe(404);
    expect((await problem(refused)).code).toBe("plugin_not_found");
  });
});

describe("approval and the listed version", () => {
  it("a pre-release never becomes the listed version beside a stable one, and a stable approval displaces a listed pre-release", async () => {
    const { pluginId, slug, tag } = await pluginWith(["2.0.0-beta.1"]);
    expect(await listedVersionId(pluginId)).toBe("2.0.0-beta.1");

    const upStable = await upload(bundle({ slug, manifest: manifestFor(slug, { version: "1.0.0", tags: [tag] }) }), admin);
    expect(upStable.status).toBe(201);
    const stable = await approve(pluginId, "1.0.0");
    expect(await stable.json()).toMatchObject({ version: "1.0.0", latest: true });
    expect(await listedVersionId(pluginId)).toBe("1.0.0");

    const upRc = await upload(bundle({ slug, manifest: manifestFor(slug, { version: "3.0.0-rc.1", tags: [tag] }) }), admin);
    expect(upRc.status).toBe(201);
    expect(await (await approve(pluginId, "3.0.0-rc.1")).json()).toMatchObject({ version: "3.0.0-rc.1", latest: false });
    expect(await listedVersionId(pluginId)).toBe("1.0.0");
    expect((await detail(pluginId, reader)).body!.version).toBe("1.0.0");
    const owner = await workspaceOwner(db());
    expect(await (await enable(owner.headers, owner.workspace.id, pluginId)).json()).toMatchObject({ version: "1.0.0" });
    // A stable pin is offered no pre-release as its update.
    expect(await enabledRows(owner)).toEqual([expect.objectContaining({ version: "1.0.0", update: null, update_available: false })]);
  });

  it("approving a version below a yanked one makes it the listed version", async () => {
    const { pluginId, slug, tag } = await pluginWith(["2.0.0"]);
    await setStatus(pluginId, "2.0.0", "yanked", "Broken");
    expect(await listedVersionId(pluginId)).toBeNull();
    expect((await upload(bundle({ slug, manifest: manifestFor(slug, { version: "1.9.0", tags: [tag] }) }), admin)).status).toBe(201);
    expect(await (await approve(pluginId, "1.9.0")).json()).toMatchObject({ latest: true });
    expect(await listedVersionId(pluginId)).toBe("1.9.0");
  });

  it("answers 409 plugin_inactive when approving a version of an inactive plugin, and leaves it pending", async () => {
    const { pluginId } = await pluginWith(["1.0.0", "1.1.0"], { pending: ["1.1.0"] });
    expect((await post(`/api/admin/plugins/${pluginId}/deactivate`, {}, admin)).status).toBe(200);
    const refused = await approve(pluginId, "1.1.0");
    expect(refused.status).toBe(409);
    expect((await problem(refused)).code).toBe("plugin_inactive");
    const [row] = await db()
      .select({ approvalStatus: schema.pluginVersions.approvalStatus })
      .from(schema.pluginVersions)
      .where(and(eq(schema.pluginVersions.pluginId, pluginId), eq(schema.pluginVersions.version, "1.1.0")));
    expect(row!.approvalStatus).toBe("pending");
  });
});

