// @module-tag pglite (status changes append events under an advisory lock)
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createCache } from "../../src/clients/cache";
import { createLogger } from "../../src/lib/logger";
import { changeItemVersionStatus, type StatusChange } from "../../src/services/version-status";
import { bearer, createKey, signedInUser } from "../helpers/auth";
import { createUser } from "../helpers/factories";
import { useDatabase } from "../helpers/db";
import { api, jsonRequest, problem } from "../helpers/http";
import { catalogReaderHeaders } from "../publishing/helpers";
import { installer, publishedAgent, type InstallBody } from "./helpers";

const clients = useDatabase();
const db = () => clients.pool;
const world = {} as { adminId: string; reader: Record<string, string> };

beforeAll(async () => {
  world.adminId = (await createUser(db(), { systemRole: "admin" })).id;
  world.reader = await catalogReaderHeaders(db());
});

type Agent = Awaited<ReturnType<typeof publishedAgent>>;
type Installer = Awaited<ReturnType<typeof installer>>;

const deps = (actorId: string) => ({ db: db(), cache: createCache(env, createLogger({})), actor: { actorType: "user" as const, actorId }, requestId: "test" });

/** The publisher changes a status through the one status service (as its PATCH route does). */
function publisherSets(agent: Agent, version: string, status: StatusChange["status"], message?: string, replacementItemId?: string) {
  return changeItemVersionStatus(deps(agent.publisher.user.id), agent.itemId, {
    version,
    status,
    message,
    replacementItemId,
    requester: "publisher",
    publisherWorkspaceId: agent.publisher.workspace.id,
  });
}

/** A platform admin changes a status (quarantine, release, revoke). */
function adminSets(agent: Agent, version: string, status: StatusChange["status"], message?: string) {
  return changeItemVersionStatus(deps(world.adminId), agent.itemId, { version, status, message, requester: "admin" });
}

interface CatalogEntry {
  id: string;
  version: string;
  listed_version: string | null;
  installable: boolean;
  listed_prerelease: boolean;
  is_approved: boolean;
}
interface VersionEntry {
  version: string;
  status: string;
  status_message: string | null;
  replacement: string | null;
  deprecation: { message: string; replacement: string | null } | null;
  lifecycle: string;
}
interface Detail extends CatalogEntry {
  versions: VersionEntry[];
}
interface InstalledRow {
  item_id: string;
  installed_version: string;
  version_status: string;
  status_message: string | null;
  deprecation: { message: string; replacement: string | null } | null;
  update: string | null;
  update_available: boolean;
  latest_version: string;
  listed_version: string | null;
  safe_version: string | null;
  update_deprecation: { message: string; replacement: string | null } | null;
  removed: boolean;
  clone_id: string;
}
interface UpdateRow extends InstalledRow {
  current_version: string;
  item_type: string;
  type: string;
  changelogs: Array<{ version: string }>;
}

/** The item as the catalog list shows it to `headers` (filtered on the agent's unique name), or undefined. */
async function inList(agent: Agent, headers = world.reader): Promise<CatalogEntry | undefined> {
  const response = await api(`/api/marketplace/items?search=${encodeURIComponent(agent.name)}`, { headers });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: CatalogEntry[] }).items.find((i) => i.id === agent.itemId);
}

async function detail(agent: Agent, headers = world.reader): Promise<Detail> {
  const response = await api(`/api/marketplace/items/${agent.itemId}`, { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as Detail;
}

async function installedRow(me: Installer, itemId: string): Promise<InstalledRow | undefined> {
  const response = await me.get("/api/marketplace/installs");
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: InstalledRow[] }).items.find((r) => r.item_id === itemId);
}

async function updateRow(me: Installer, itemId: string): Promise<UpdateRow | undefined> {
  const response = await me.get("/api/marketplace/updates");
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: UpdateRow[] }).items.find((r) => r.item_id === itemId);
}

async function installs(me: Installer, itemId: string, body?: unknown) {
  const response = await me.install(itemId, body);
  return { status: response.status, body: (await response.json()) as InstallBody & { code?: string; message?: string | null; replacement?: string | null; listed_version?: string | null } };
}

const versionsOf = (d: Detail) => Object.fromEntries(d.versions.map((v) => [v.version, v]));

describe("yanking a version (issue 27, first done-when bullet)", () => {
  it("1.1.0 yanked: list and detail show 1.0.0, updates steer a 1.1.0 install to 1.0.0, install refuses 1.1.0; un-yank restores it all", async () => {
    const agent = await publishedAgent(db());
    await agent.release("1.1.0");
    const onOld = await installer(db());
    expect((await installs(onOld, agent.itemId, { version: "1.0.0" })).status).toBe(201);
    const onNew = await installer(db());
    const newCopy = await installs(onNew, agent.itemId);
    expect(newCopy.body.version).toBe("1.1.0");

    await publisherSets(agent, "1.1.0", "yanked", "Breaks the ticket parser");

    expect(await inList(agent)).toMatchObject({ version: "1.0.0", listed_version: "1.0.0", installable: true });
    const yanked = await detail(agent);
    expect(yanked).toMatchObject({ version: "1.0.0", listed_version: "1.0.0", installable: true });
    expect(versionsOf(yanked)["1.1.0"]).toMatchObject({ status: "yanked", lifecycle: "yanked", status_message: "Breaks the ticket parser", deprecation: null });
    expect(versionsOf(yanked)["1.0.0"]).toMatchObject({ status: "active", status_message: null, deprecation: null });

    // Nothing newer for a 1.0.0 install; a 1.1.0 install is told to move (down) to 1.0.0.
    expect(await updateRow(onOld, agent.itemId)).toBeUndefined();
    expect(await installedRow(onOld, agent.itemId)).toMatchObject({ version_status: "active", update: null, update_available: false, safe_version: "1.0.0" });
    expect(await updateRow(onNew, agent.itemId)).toMatchObject({
      installed_version: "1.1.0",
      current_version: "1.1.0",
      version_status: "yanked",
      status_message: "Breaks the ticket parser",
      update: null,
      update_available: false,
      listed_version: "1.0.0",
      safe_version: "1.0.0",
      changelogs: [],
    });

    // The copy of 1.1.0 still exists, and its row says yanked.
    expect(await installedRow(onNew, agent.itemId)).toMatchObject({ installed_version: "1.1.0", version_status: "yanked", status_message: "Breaks the ticket parser", safe_version: "1.0.0" });
    expect((await onNew.get(`/api/agents/${newCopy.body.clone_id}`)).status).toBe(200);

    // Install without a version takes 1.0.0; naming 1.1.0 is refused with the message.
    const fresh = await installer(db());
    expect(await installs(fresh, agent.itemId)).toMatchObject({ status: 201, body: { version: "1.0.0", version_status: "active", deprecation: null } });
    const refused = await (await installer(db())).install(agent.itemId, { version: "1.1.0" });
    expect(refused.status).toBe(409);
    expect(await problem(refused)).toMatchObject({ code: "version_yanked", message: "Breaks the ticket parser", replacement: null, listed_version: "1.0.0" });

    // Un-yank: everything back.
    await publisherSets(agent, "1.1.0", "active");
    expect(await inList(agent)).toMatchObject({ version: "1.1.0", listed_version: "1.1.0", installable: true });
    const restored = await detail(agent);
    expect(restored).toMatchObject({ version: "1.1.0", listed_version: "1.1.0" });
    expect(versionsOf(restored)["1.1.0"]).toMatchObject({ status: "active", status_message: null });
    expect(await updateRow(onOld, agent.itemId)).toMatchObject({ update: "1.1.0", update_available: true, latest_version: "1.1.0", safe_version: "1.0.0" });
    expect(await updateRow(onNew, agent.itemId)).toBeUndefined();
    expect(await installedRow(onNew, agent.itemId)).toMatchObject({ version_status: "active", status_message: null, safe_version: "1.1.0" });
    expect((await installs(await installer(db()), agent.itemId)).body.version).toBe("1.1.0");
    expect((await installs(await installer(db()), agent.itemId, { version: "1.1.0" })).status).toBe(201);
  });

  it("only version yanked: the item stays visible with installable false, install is 409 no_installable_version, no wording says it can be used", async () => {
    const agent = await publishedAgent(db());
    const holder = await installer(db());
    await installs(holder, agent.itemId);
    await publisherSets(agent, "1.0.0", "yanked", "Leaks the system prompt");

    expect(await inList(agent)).toMatchObject({ installable: false, listed_version: null, listed_prerelease: false });
    const response = await api(`/api/marketplace/items/${agent.itemId}`, { headers: world.reader });
    expect(response.status).toBe(200);
    const text = await response.text();
    const body = JSON.parse(text) as Detail;
    expect(body).toMatchObject({ installable: false, listed_version: null });
    expect(body.versions).toEqual([expect.objectContaining({ version: "1.0.0", status: "yanked", status_message: "Leaks the system prompt" })]);
    // crates.io#2082: nothing in the answer may say the item can still be used.
    expect(text).not.toMatch(/"installable":true|"listed_version":"|"status":"active"|available|can be (used|installed)|still (usable|installable)/i);

    const none = await (await installer(db())).install(agent.itemId);
    expect(none.status).toBe(409);
    expect((await problem(none)).code).toBe("no_installable_version");
    const named = await (await installer(db())).install(agent.itemId, { version: "1.0.0" });
    expect(named.status).toBe(409);
    expect((await problem(named)).code).toBe("version_yanked");

    // The copy already installed keeps working and has nowhere safe to go.
    expect(await installedRow(holder, agent.itemId)).toMatchObject({ version_status: "yanked", listed_version: null, safe_version: null, update: null, removed: false });
    expect(await updateRow(holder, agent.itemId)).toBeUndefined();
  });

  it("pypa/pip#8262: a yanked version is never chosen, even when it was the only stable one", async () => {
    const agent = await publishedAgent(db());
    await agent.release("1.1.0-beta.1");
    const onStable = await installer(db());
    await installs(onStable, agent.itemId);
    await publisherSets(agent, "1.0.0", "yanked", "Wrong model configuration");

    // The pre-release becomes the listed version (design.md §34); the yanked stable one stays unchosen.
    expect(await inList(agent)).toMatchObject({ version: "1.1.0-beta.1", listed_version: "1.1.0-beta.1", listed_prerelease: true, installable: true });
    expect(await installs(await installer(db()), agent.itemId)).toMatchObject({ status: 201, body: { version: "1.1.0-beta.1", prerelease: true } });
    const row = await installedRow(onStable, agent.itemId);
    expect(row).toMatchObject({ version_status: "yanked", listed_version: "1.1.0-beta.1", safe_version: "1.1.0-beta.1" });
    expect(row!.update).not.toBe("1.0.0");
    expect(await updateRow(onStable, agent.itemId)).toMatchObject({ safe_version: "1.1.0-beta.1" });
  });

  it("Dart-Code#3764: a yanked version is never reported as latest or listed (list, detail, installs, updates)", async () => {
    const agent = await publishedAgent(db());
    const onOld = await installer(db());
    await installs(onOld, agent.itemId);
    await agent.release("1.1.0");
    const onNew = await installer(db());
    await installs(onNew, agent.itemId);
    await publisherSets(agent, "1.1.0", "yanked", "Regression in 1.1.0");

    const entry = await inList(agent);
    const shown = await detail(agent);
    for (const view of [entry!, shown]) expect([view.version, view.listed_version]).toEqual(["1.0.0", "1.0.0"]);
    // A 1.0.0 install is never told 1.1.0 is newest, in either list.
    const oldRow = await installedRow(onOld, agent.itemId);
    expect(oldRow).toMatchObject({ update: null, latest_version: "1.0.0", listed_version: "1.0.0", safe_version: "1.0.0" });
    expect(JSON.stringify(oldRow)).not.toContain("1.1.0");
    expect(await updateRow(onOld, agent.itemId)).toBeUndefined();
    // The 1.1.0 install: its own version is not "latest" beyond itself, and nothing offers or lists 1.1.0.
    for (const row of [await installedRow(onNew, agent.itemId), await updateRow(onNew, agent.itemId)]) {
      expect(row).toMatchObject({ update: null, update_available: false, listed_version: "1.0.0", safe_version: "1.0.0" });
    }
  });
});

describe("deprecating a version", () => {
  it("stays listed and installable, with the notice on detail, install response, installed list and offered updates", async () => {
    const successor = await publishedAgent(db());
    const agent = await publishedAgent(db());
    await publisherSets(agent, "1.0.0", "deprecated", "Superseded by the v2 agent", successor.itemId);

    const notice = { message: "Superseded by the v2 agent", replacement: successor.itemId };
    expect(await inList(agent)).toMatchObject({ version: "1.0.0", listed_version: "1.0.0", installable: true });
    const shown = await detail(agent);
    expect(shown.versions).toEqual([
      expect.objectContaining({ version: "1.0.0", status: "deprecated", lifecycle: "deprecated", status_message: notice.message, replacement: successor.itemId, deprecation: notice }),
    ]);

    const me = await installer(db());
    expect(await installs(me, agent.itemId)).toMatchObject({ status: 201, body: { version: "1.0.0", version_status: "deprecated", deprecation: notice } });
    expect(await installedRow(me, agent.itemId)).toMatchObject({ version_status: "deprecated", status_message: notice.message, deprecation: notice, safe_version: "1.0.0", update: null });
    expect(await updateRow(me, agent.itemId)).toBeUndefined();

    // A deprecated version is still offered as an update (design.md §39), with its notice.
    await agent.release("1.1.0");
    await publisherSets(agent, "1.1.0", "deprecated", "Use 2.x when it ships");
    expect(await updateRow(me, agent.itemId)).toMatchObject({
      update: "1.1.0",
      update_deprecation: { message: "Use 2.x when it ships", replacement: null },
      deprecation: notice,
    });
    const applied = await me.update(agent.itemId);
    expect(applied.status).toBe(200);
    expect(await applied.json()).toMatchObject({ version: "1.1.0", version_status: "deprecated", deprecation: { message: "Use 2.x when it ships", replacement: null } });
  });
});

describe("quarantining a version (non-admins)", () => {
  it("hides a quarantined version from the detail, refuses its install with 404, and reports it to its holders without the reason", async () => {
    const agent = await publishedAgent(db());
    await agent.release("1.1.0");
    const holder = await installer(db());
    await installs(holder, agent.itemId);
    await adminSets(agent, "1.1.0", "quarantined", "Exfiltrates tickets to a remote host");

    const shown = await detail(agent);
    expect(shown).toMatchObject({ version: "1.0.0", listed_version: "1.0.0", installable: true });
    expect(shown.versions.map((v) => v.version)).toEqual(["1.0.0"]);
    const missing = await (await installer(db())).install(agent.itemId, { version: "1.1.0" });
    expect(missing.status).toBe(404);
    expect((await problem(missing)).code).toBe("version_not_found");

    const row = await installedRow(holder, agent.itemId);
    expect(row).toMatchObject({ installed_version: "1.1.0", version_status: "quarantined", status_message: null, deprecation: null, safe_version: "1.0.0", update: null });
    expect(await updateRow(holder, agent.itemId)).toMatchObject({ version_status: "quarantined", status_message: null, safe_version: "1.0.0" });
    const listText = await (await holder.get("/api/marketplace/installs")).text();
    expect(listText).not.toContain("Exfiltrates");

    // The move to the safe version is the one downgrade; nothing else is accepted.
    const other = await holder.update(agent.itemId, { version: "1.1.0" });
    expect(other.status).toBe(400);
    expect(await problem(other)).toMatchObject({ code: "version_not_offered", update: null, safe_version: "1.0.0" });
    const moved = await holder.update(agent.itemId);
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ previous_version: "1.1.0", version: "1.0.0", version_status: "active" });
    expect(await installedRow(holder, agent.itemId)).toMatchObject({ installed_version: "1.0.0", version_status: "active" });
    expect(await updateRow(holder, agent.itemId)).toBeUndefined();
  });

  it("takes an item whose only approved version is quarantined out of the catalog for non-admins; admins still see it", async () => {
    const agent = await publishedAgent(db());
    const holder = await installer(db());
    await installs(holder, agent.itemId);
    await adminSets(agent, "1.0.0", "quarantined", "Malicious prompt injection");

    expect(await inList(agent)).toBeUndefined();
    const gone = await api(`/api/marketplace/items/${agent.itemId}`, { headers: world.reader });
    expect(gone.status).toBe(404);
    expect((await problem(gone)).code).toBe("item_not_found");
    const install = await (await installer(db())).install(agent.itemId);
    expect(install.status).toBe(404);

    expect(await inList(agent, agent.admin)).toMatchObject({ is_approved: false, installable: false, listed_version: null });
    const forAdmin = await detail(agent, agent.admin);
    // Admins see the version, its status and the reason (their answers are never cached or shared).
    expect(forAdmin.versions).toEqual([expect.objectContaining({ version: "1.0.0", status: "quarantined", status_message: "Malicious prompt injection" })]);

    expect(await installedRow(holder, agent.itemId)).toMatchObject({ version_status: "quarantined", status_message: null, safe_version: null, listed_version: null, removed: false });
    expect(await updateRow(holder, agent.itemId)).toBeUndefined();

    // Released by an admin: back in the catalog.
    await adminSets(agent, "1.0.0", "active");
    expect(await inList(agent)).toMatchObject({ installable: true, listed_version: "1.0.0" });
    expect(await installedRow(holder, agent.itemId)).toMatchObject({ version_status: "active", safe_version: "1.0.0" });
  });

  it("reports a revoked installed version with a null message, and hides it from the detail", async () => {
    const agent = await publishedAgent(db());
    await agent.release("1.1.0");
    const holder = await installer(db());
    await installs(holder, agent.itemId);
    await adminSets(agent, "1.1.0", "revoked", "Confirmed credential stealer");
    expect((await detail(agent)).versions.map((v) => v.version)).toEqual(["1.0.0"]);
    expect(await installedRow(holder, agent.itemId)).toMatchObject({ version_status: "revoked", status_message: null, safe_version: "1.0.0" });
  });

  it("a revoked install with nothing safe to move to is told so (409 no_installable_version), never 'up to date'", async () => {
    const agent = await publishedAgent(db());
    await agent.release("1.1.0");
    const holder = await installer(db());
    await installs(holder, agent.itemId);
    await publisherSets(agent, "1.0.0", "yanked", "Broken build");
    await adminSets(agent, "1.1.0", "revoked", "Confirmed credential stealer");
    expect(await installedRow(holder, agent.itemId)).toMatchObject({ version_status: "revoked", update: null, safe_version: null });
    const refused = await api(`/api/marketplace/items/${agent.itemId}/update`, jsonRequest("POST", {}, holder.headers));
    expect(refused.status).toBe(409);
    const body = await problem(refused);
    expect(body.code).toBe("no_installable_version");
    expect(body.detail).not.toMatch(/newest|up to date/i);
  });
});

describe("the publisher's own view (include=moderation)", () => {
  it("shows the publisher every version with its status and reason; other workspaces get 404 and the shared detail never shows them", async () => {
    const agent = await publishedAgent(db());
    await agent.release("1.1.0");
    await adminSets(agent, "1.1.0", "quarantined", "Under review for data exfiltration");

    const own = await api(`/api/marketplace/items/${agent.itemId}?include=moderation`, { headers: agent.publisher.headers });
    expect(own.status).toBe(200);
    expect(own.headers.get("Cache-Control")).toBe("private, no-store");
    const body = (await own.json()) as Detail;
    expect(versionsOf(body)["1.1.0"]).toMatchObject({ status: "quarantined", status_message: "Under review for data exfiltration", review_status: "approved" });

    const foreign = await installer(db());
    const refused = await api(`/api/marketplace/items/${agent.itemId}?include=moderation`, { headers: foreign.headers });
    expect(refused.status).toBe(404);
    expect((await problem(refused)).code).toBe("item_not_found");
    // A signed-in user naming no workspace is 400; the publisher's API key acts for its own workspace.
    const noWorkspace = await api(`/api/marketplace/items/${agent.itemId}?include=moderation`, { headers: bearer((await signedInUser(db())).token) });
    expect(noWorkspace.status).toBe(400);
    expect((await problem(noWorkspace)).code).toBe("workspace_required");
    const publisherKey = { "X-API-Key": (await createKey(db(), agent.publisher.workspace.id, { scopes: ["catalog:read"] })).secret };
    const byKey = await api(`/api/marketplace/items/${agent.itemId}?include=moderation`, { headers: publisherKey });
    expect(byKey.status).toBe(200);
    expect(versionsOf((await byKey.json()) as Detail)["1.1.0"]).toMatchObject({ status_message: "Under review for data exfiltration" });
    const otherKey = await api(`/api/marketplace/items/${agent.itemId}?include=moderation`, { headers: world.reader });
    expect(otherKey.status).toBe(404);
    // The publisher's submissions list says the same (design.md §35).
    const submissions = (await (await api("/api/marketplace/submissions", { headers: agent.publisher.headers })).json()) as {
      items: Array<{ item_id: string; version: string; version_status: string | null; status_message: string | null }>;
    };
    const mine = submissions.items.filter((s) => s.item_id === agent.itemId);
    expect(mine.find((s) => s.version === "1.1.0")).toMatchObject({ version_status: "quarantined", status_message: "Under review for data exfiltration" });
    expect(mine.find((s) => s.version === "1.0.0")).toMatchObject({ version_status: "active", status_message: null });
    // The shared detail, even read by the publisher, omits the quarantined version and its reason.
    const shared = await api(`/api/marketplace/items/${agent.itemId}`, { headers: agent.publisher.headers });
    const text = await shared.text();
    expect((JSON.parse(text) as Detail).versions.map((v) => v.version)).toEqual(["1.0.0"]);
    expect(text).not.toContain("exfiltration");

    // An item hidden by its only version's quarantine is still found in the publisher's view.
    const hidden = await publishedAgent(db());
    await adminSets(hidden, "1.0.0", "quarantined", "Suspicious network calls");
    const hiddenView = await api(`/api/marketplace/items/${hidden.itemId}?include=moderation`, { headers: hidden.publisher.headers });
    expect(hiddenView.status).toBe(200);
    expect(await hiddenView.json()).toMatchObject({ is_approved: false, installable: false, versions: [{ status: "quarantined", status_message: "Suspicious network calls" }] });
  });
});

describe("applying an update with a named version", () => {
  it("accepts only the offered update or the safe version (400 version_not_offered otherwise) and never moves to a yanked version", async () => {
    const agent = await publishedAgent(db());
    const me = await installer(db());
    await installs(me, agent.itemId);
    await agent.release("1.1.0");
    await agent.release("1.2.0");
    await publisherSets(agent, "1.2.0", "yanked", "Bad release");

    expect(await updateRow(me, agent.itemId)).toMatchObject({ update: "1.1.0", latest_version: "1.1.0", listed_version: "1.1.0" });
    for (const version of ["1.2.0", "1.0.0", "9.9.9"]) {
      const refused = await me.update(agent.itemId, { version });
      expect(refused.status).toBe(400);
      expect(await problem(refused)).toMatchObject({ code: "version_not_offered", update: "1.1.0", safe_version: null });
    }
    const applied = await me.update(agent.itemId, { version: "1.1.0" });
    expect(applied.status).toBe(200);
    expect(await applied.json()).toMatchObject({ previous_version: "1.0.0", version: "1.1.0" });
    const upToDate = await me.update(agent.itemId);
    expect(upToDate.status).toBe(409);
    expect((await problem(upToDate)).code).toBe("up_to_date");
  });
});
