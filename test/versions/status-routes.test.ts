// @module-tag pglite (status changes append events under an advisory lock)
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem, createWorkspace } from "../helpers/factories";
import { api, problem } from "../helpers/http";
import { approvedPlugin, newVersion } from "../plugins/in-use-helpers";
import { adminHeaders, catalogReaderHeaders, workspaceOwner } from "../publishing/helpers";
import { patchItemVersion, patchPluginVersion, releasedSkill } from "./helpers";

// Issue 27 item 2: the two version-status PATCH routes. Items: the publisher workspace (editor or
// an `items:submit` key) for active, deprecated and yanked; a platform admin, in no workspace, for
// every status (design.md §33, §38). Plugins: platform admins only.

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

interface ItemResult {
  item_id: string;
  version: string;
  status: string;
  previous_status: string;
  message: string | null;
  replacement_item_id: string | null;
  listed_version: string | null;
  installable: boolean;
}

async function versionRow(itemId: string, version: string) {
  const [row] = await db()
    .select()
    .from(schema.itemVersions)
    .where(and(eq(schema.itemVersions.itemId, itemId), eq(schema.itemVersions.version, version)));
  return row!;
}

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status, await response.clone().text()).toBe(status);
  expect((await problem(response)).code).toBe(code);
}

describe("the publisher changes its own item's versions", () => {
  it("an editor yanks the listed version (the next one is listed), un-yanks it, and deprecates one naming a replacement", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0", "1.1.0"]);
    const editor = await item.member("editor");
    const { item: replacement } = await createMarketplaceItem(db(), { type: "skill" });

    const yanked = await patchItemVersion(item.itemId, "1.1.0", { status: "yanked", message: "Breaks on empty input" }, editor);
    expect(yanked.status, await yanked.clone().text()).toBe(200);
    expect((await yanked.json()) as ItemResult).toEqual({
      item_id: item.itemId,
      version: "1.1.0",
      status: "yanked",
      previous_status: "active",
      message: "Breaks on empty input",
      replacement_item_id: null,
      listed_version: "1.0.0",
      installable: true,
    });

    const unyanked = await patchItemVersion(item.itemId, "1.1.0", { status: "active" }, editor);
    expect(unyanked.status).toBe(200);
    expect((await unyanked.json()) as ItemResult).toMatchObject({ status: "active", previous_status: "yanked", message: null, listed_version: "1.1.0" });

    const deprecated = await patchItemVersion(
      item.itemId,
      "1.0.0",
      { status: "deprecated", message: "Use the new skill", replacement_item_id: replacement.id },
      editor,
    );
    expect(deprecated.status).toBe(200);
    expect((await deprecated.json()) as ItemResult).toMatchObject({ status: "deprecated", message: "Use the new skill", replacement_item_id: replacement.id, listed_version: "1.1.0" });
    const row = await versionRow(item.itemId, "1.0.0");
    expect(row).toMatchObject({ status: "deprecated", statusMessage: "Use the new skill", replacementItemId: replacement.id, statusActorType: "user" });
  });

  it("an `items:submit` key of the publisher workspace may yank (acting as the key)", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0"]);
    const key = await item.key(["items:submit"]);
    const response = await patchItemVersion(item.itemId, "1.0.0", { status: "yanked", message: "Withdrawn" }, key);
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await response.json()) as ItemResult).toMatchObject({ status: "yanked", listed_version: null, installable: false });
    expect(await versionRow(item.itemId, "1.0.0")).toMatchObject({ status: "yanked", statusActorType: "api_key" });
  });
});

describe("a platform admin, in no workspace", () => {
  it("quarantines, releases (quarantined → active) and revokes a version; nothing changes a revoked version afterwards", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0", "1.1.0"]);
    const moderator = await signedInUser(db(), { systemRole: "admin" });
    const quarantined = await patchItemVersion(item.itemId, "1.1.0", { status: "quarantined", message: "Under investigation" }, bearer(moderator.token));
    expect(quarantined.status, await quarantined.clone().text()).toBe(200);
    expect((await quarantined.json()) as ItemResult).toMatchObject({ status: "quarantined", previous_status: "active", listed_version: "1.0.0", installable: true });
    expect(await versionRow(item.itemId, "1.1.0")).toMatchObject({ status: "quarantined", statusActorType: "user", statusActorId: moderator.user.id });

    const released = await patchItemVersion(item.itemId, "1.1.0", { status: "active" }, admin);
    expect(released.status).toBe(200);
    expect((await released.json()) as ItemResult).toMatchObject({ status: "active", previous_status: "quarantined", listed_version: "1.1.0" });

    const revoked = await patchItemVersion(item.itemId, "1.1.0", { status: "revoked", message: "Malicious" }, admin);
    expect(revoked.status).toBe(200);
    expect((await revoked.json()) as ItemResult).toMatchObject({ status: "revoked", previous_status: "active", listed_version: "1.0.0" });

    await expectProblem(await patchItemVersion(item.itemId, "1.1.0", { status: "active" }, admin), 409, "invalid_transition");
    await expectProblem(await patchItemVersion(item.itemId, "1.1.0", { status: "quarantined", message: "Again" }, admin), 409, "invalid_transition");
    await expectProblem(await patchItemVersion(item.itemId, "1.1.0", { status: "yanked", message: "Mine" }, item.publisher.headers), 409, "invalid_transition");
  });

  it("changes an item without a publisher workspace, which a workspace cannot (409 no_publisher)", async () => {
    const { item } = await createMarketplaceItem(db(), { type: "skill" });
    const owner = await workspaceOwner(db());
    await expectProblem(await patchItemVersion(item.id, "1.0.0", { status: "deprecated", message: "Old" }, owner.headers), 409, "no_publisher");
    const response = await patchItemVersion(item.id, "1.0.0", { status: "deprecated", message: "Old" }, admin);
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await response.json()) as ItemResult).toMatchObject({ status: "deprecated", message: "Old" });
  });

  it("still needs a reason to quarantine (400 message_required)", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0"]);
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "quarantined" }, admin), 400, "message_required");
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "revoked", message: "  " }, admin), 400, "message_required");
    expect((await versionRow(item.itemId, "1.0.0")).status).toBe("active");
  });
});

describe("refusals", () => {
  it("a message is required to deprecate or yank (400 message_required); nothing changes", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0"]);
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "deprecated" }, item.publisher.headers), 400, "message_required");
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "yanked", message: "   " }, item.publisher.headers), 400, "message_required");
    expect((await versionRow(item.itemId, "1.0.0")).status).toBe("active");
  });

  it("a publisher cannot quarantine or revoke (403 admin_required), nor change a quarantined version (409 invalid_transition)", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0"]);
    const editor = await item.member("editor");
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "quarantined", message: "Mine" }, editor), 403, "admin_required");
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "revoked", message: "Mine" }, editor), 403, "admin_required");
    expect((await versionRow(item.itemId, "1.0.0")).status).toBe("active");
    expect((await patchItemVersion(item.itemId, "1.0.0", { status: "quarantined", message: "Looking" }, admin)).status).toBe(200);
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "active" }, editor), 409, "invalid_transition");
  });

  it("a pending (unapproved) version is 409 invalid_transition; an unknown version 404 version_not_found; an unknown item 404 item_not_found", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0"]);
    await item.submit("1.1.0");
    await expectProblem(await patchItemVersion(item.itemId, "1.1.0", { status: "yanked", message: "No" }, item.publisher.headers), 409, "invalid_transition");
    await expectProblem(await patchItemVersion(item.itemId, "1.1.0", { status: "quarantined", message: "No" }, admin), 409, "invalid_transition");
    await expectProblem(await patchItemVersion(item.itemId, "9.9.9", { status: "yanked", message: "No" }, item.publisher.headers), 404, "version_not_found");
    await expectProblem(await patchItemVersion(crypto.randomUUID(), "1.0.0", { status: "yanked", message: "No" }, admin), 404, "item_not_found");
  });

  it("a replacement of another type, one not visible, or on a status that takes none is 400 invalid_replacement", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0"]);
    const headers = item.publisher.headers;
    const { item: agent } = await createMarketplaceItem(db(), { type: "agent" });
    const { item: unapproved } = await createMarketplaceItem(db(), { type: "skill", isApproved: false });
    const { item: removed } = await createMarketplaceItem(db(), { type: "skill", publisherWorkspaceId: (await createWorkspace(db())).workspace.id });
    const removal = await api(`/api/marketplace/items/${removed.id}`, { method: "DELETE", headers: admin });
    expect(removal.status, await removal.clone().text()).toBe(200);
    for (const replacement of [agent.id, unapproved.id, removed.id, crypto.randomUUID(), item.itemId]) {
      await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "deprecated", message: "Moved", replacement_item_id: replacement }, headers), 400, "invalid_replacement");
    }
    const { item: visible } = await createMarketplaceItem(db(), { type: "skill" });
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "quarantined", message: "x", replacement_item_id: visible.id }, admin), 400, "invalid_replacement");
    expect((await versionRow(item.itemId, "1.0.0")).status).toBe("active");
    expect((await patchItemVersion(item.itemId, "1.0.0", { status: "yanked", message: "Gone", replacement_item_id: visible.id }, headers)).status).toBe(200);
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "active", replacement_item_id: visible.id }, headers), 400, "invalid_replacement");
    expect((await versionRow(item.itemId, "1.0.0")).status).toBe("yanked");
  });

  it("a body or version that does not parse is 400 validation_failed", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0"]);
    const headers = item.publisher.headers;
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "retired", message: "x" }, headers), 400, "validation_failed");
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", {}, headers), 400, "validation_failed");
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "yanked", message: "x".repeat(2001) }, headers), 400, "validation_failed");
    await expectProblem(await patchItemVersion(item.itemId, "latest", { status: "yanked", message: "x" }, headers), 400, "validation_failed");
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "deprecated", message: "x", replacement_item_id: "nope" }, headers), 400, "validation_failed");
  });
});

describe("the message other tenants read (security)", () => {
  it("a message holding a terminal escape, a bidi override, a zero-width or a line break is 400 validation_failed, for items and plugins; nothing changes", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0"]);
    const plugin = await approvedPlugin(admin);
    for (const message of ["\u001b[2J\u001b[32mOK: installed successfully", "fine \u202e evil", "split\u200bword", "two\nlines", "bell\u0007"]) {
      await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "yanked", message }, item.publisher.headers), 400, "validation_failed");
      await expectProblem(await patchPluginVersion(plugin.plugin_id, "1.0.0", { status: "quarantined", message }, admin), 400, "validation_failed");
    }
    expect((await versionRow(item.itemId, "1.0.0")).status).toBe("active");
  });

  it("a message is stored NFC with runs of spaces collapsed, and an activation keeps none", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0", "1.1.0"]);
    const headers = item.publisher.headers;
    expect((await patchItemVersion(item.itemId, "1.1.0", { status: "yanked", message: "  Cafe\u0301   broke\u00a0it  " }, headers)).status).toBe(200);
    expect((await versionRow(item.itemId, "1.1.0")).statusMessage).toBe("Caf\u00e9 broke it");
    expect((await patchItemVersion(item.itemId, "1.1.0", { status: "active", message: "Fixed upstream" }, headers)).status).toBe(200);
    expect((await versionRow(item.itemId, "1.1.0")).statusMessage).toBeNull();
  });
});

describe("who may call the item PATCH (design.md §38: both paths of the admin bypass)", () => {
  it("another workspace, even as its owner, gets 404 item_not_found for the item", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0"]);
    const stranger = await workspaceOwner(db());
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "yanked", message: "Not mine" }, stranger.headers), 404, "item_not_found");
    const strangerKey = { "X-API-Key": (await createKey(db(), stranger.workspace.id, { scopes: ["items:submit"] })).secret };
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "yanked", message: "Not mine" }, strangerKey), 404, "item_not_found");
    expect((await versionRow(item.itemId, "1.0.0")).status).toBe("active");
  });

  it("a viewer is 403 insufficient_role; a catalog:read key 403 insufficient_scope; a member naming no workspace 400 workspace_required", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0"]);
    const body = { status: "yanked", message: "No" };
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", body, await item.member("viewer")), 403, "insufficient_role");
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", body, await item.key(["catalog:read"])), 403, "insufficient_scope");
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", body, await catalogReaderHeaders(db())), 403, "insufficient_scope");
    const { "X-Workspace-ID": _named, ...noWorkspace } = await item.member("editor");
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", body, noWorkspace), 400, "workspace_required");
    expect((await versionRow(item.itemId, "1.0.0")).status).toBe("active");
  });

  it("an admin acts as the admin even when naming a workspace they belong to; one they may not act in is 404", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0", "1.1.0"]);
    const adminUser = await signedInUser(db(), { systemRole: "admin" });
    const { workspace: own } = await createWorkspace(db(), { owner: adminUser.user });
    const { workspace: foreign } = await createWorkspace(db());
    const asAdmin = bearer(adminUser.token);
    await expectProblem(
      await patchItemVersion(item.itemId, "1.1.0", { status: "quarantined", message: "x" }, { ...asAdmin, "X-Workspace-ID": foreign.id }),
      404,
      "workspace_not_found",
    );
    const response = await patchItemVersion(item.itemId, "1.1.0", { status: "quarantined", message: "Checking" }, { ...asAdmin, "X-Workspace-ID": own.id });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await response.json()) as ItemResult).toMatchObject({ status: "quarantined" });
  });

  it("a user who is no platform admin and names no workspace never gets the admin's path", async () => {
    const item = await releasedSkill(db(), admin, ["1.0.0"]);
    const plain = bearer((await signedInUser(db())).token);
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "quarantined", message: "x" }, plain), 400, "workspace_required");
    await expectProblem(await patchItemVersion(item.itemId, "1.0.0", { status: "yanked", message: "x" }, plain), 400, "workspace_required");
    expect((await versionRow(item.itemId, "1.0.0")).status).toBe("active");
  });
});

interface PluginResult {
  plugin_id: string;
  version: string;
  status: string;
  previous_status: string;
  message: string | null;
  listed_version: string | null;
  installable: boolean;
  workspaces_disabled: number;
  agents_unassigned: number;
  skills_updated: number;
}

describe("the admin plugin version PATCH", () => {
  it("quarantines, releases and revokes a plugin version; a revoked version takes no further change", async () => {
    const { plugin_id, slug } = await approvedPlugin(admin);
    await newVersion(admin, slug, "1.1.0");
    const quarantined = await patchPluginVersion(plugin_id, "1.1.0", { status: "quarantined", message: "Exfiltrates tokens?" }, admin);
    expect(quarantined.status, await quarantined.clone().text()).toBe(200);
    expect((await quarantined.json()) as PluginResult).toMatchObject({
      plugin_id,
      version: "1.1.0",
      status: "quarantined",
      previous_status: "active",
      message: "Exfiltrates tokens?",
      listed_version: "1.0.0",
      installable: true,
      workspaces_disabled: 0,
      agents_unassigned: 0,
    });
    const released = await patchPluginVersion(plugin_id, "1.1.0", { status: "active" }, admin);
    expect(released.status).toBe(200);
    expect((await released.json()) as PluginResult).toMatchObject({ status: "active", previous_status: "quarantined", listed_version: "1.1.0", message: null });
    const revoked = await patchPluginVersion(plugin_id, "1.1.0", { status: "revoked", message: "Confirmed malicious" }, admin);
    expect(revoked.status).toBe(200);
    expect((await revoked.json()) as PluginResult).toMatchObject({ status: "revoked", listed_version: "1.0.0" });
    const [row] = await db()
      .select({ status: schema.pluginVersions.status })
      .from(schema.pluginVersions)
      .where(and(eq(schema.pluginVersions.pluginId, plugin_id), eq(schema.pluginVersions.version, "1.1.0")));
    expect(row!.status).toBe("revoked");
    await expectProblem(await patchPluginVersion(plugin_id, "1.1.0", { status: "active" }, admin), 409, "invalid_transition");
  });

  it("refuses a missing reason, a replacement item, a pending or unknown version and an unknown plugin", async () => {
    const { plugin_id, slug } = await approvedPlugin(admin);
    await newVersion(admin, slug, "1.1.0", false);
    await expectProblem(await patchPluginVersion(plugin_id, "1.0.0", { status: "quarantined" }, admin), 400, "message_required");
    const { item: skill } = await createMarketplaceItem(db(), { type: "skill" });
    await expectProblem(await patchPluginVersion(plugin_id, "1.0.0", { status: "deprecated", message: "Old", replacement_item_id: skill.id }, admin), 400, "invalid_replacement");
    await expectProblem(await patchPluginVersion(plugin_id, "1.1.0", { status: "quarantined", message: "x" }, admin), 409, "invalid_transition");
    await expectProblem(await patchPluginVersion(plugin_id, "3.0.0", { status: "quarantined", message: "x" }, admin), 404, "version_not_found");
    await expectProblem(await patchPluginVersion(crypto.randomUUID(), "1.0.0", { status: "quarantined", message: "x" }, admin), 404, "plugin_not_found");
  });

  it("is for platform admins only: a workspace owner and an API key with every scope are 403 admin_required", async () => {
    const { plugin_id } = await approvedPlugin(admin);
    const owner = await workspaceOwner(db());
    const key = { "X-API-Key": (await createKey(db(), owner.workspace.id)).secret };
    for (const headers of [owner.headers, bearer((await signedInUser(db())).token), key]) {
      await expectProblem(await patchPluginVersion(plugin_id, "1.0.0", { status: "quarantined", message: "x" }, headers), 403, "admin_required");
    }
    const [row] = await db()
      .select({ status: schema.pluginVersions.status })
      .from(schema.pluginVersions)
      .where(and(eq(schema.pluginVersions.pluginId, plugin_id), eq(schema.pluginVersions.version, "1.0.0")));
    expect(row!.status).toBe("active");
  });
});

