import { mkdtempSync, rmSync, statSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../cli/main";
import { freePort } from "../../scripts/local/free-port";
import { withDrizzle } from "../../scripts/stack/dev-auth";
import type { Database } from "../../src/db/client";
import * as schema from "../../src/db/schema";
import { contentSha256 } from "../../src/domain/content-hash";
import { createMarketplaceItem, uniqueToken } from "../helpers/factories";
import { runCli } from "./cli-run";
import { startProxyProcess, type ProxyProcess } from "./http-proxy";
import { startLocalApi, workspaceKey, type LocalApi } from "./local-api";

// Issue 17 item 3: `npx marketplace …` (bin/marketplace.mjs) against a local worker, as a key holder runs it.

let api: LocalApi;
let configDir: string;
let env: Record<string, string>;
let item: { id: string; name: string };

/** A marketplace skill of this file's own, so installs never meet another test's. */
async function marketplaceSkill() {
  const name = `Cli Skill ${uniqueToken()}`;
  return withDrizzle(api.bindings.DATABASE_URL, async (db) => (await createMarketplaceItem(db as unknown as Database, { type: "skill", name })).item);
}

/** Approves version `version` of an item and lists it, as publishing's approval leaves it. */
async function publishVersion(itemId: string, version: string) {
  await withDrizzle(api.bindings.DATABASE_URL, async (db) => {
    const content = { name: "updated", details: { version } };
    const [row] = await db
      .insert(schema.itemVersions)
      .values({ itemId, version, content, contentSha256: await contentSha256(content), reviewStatus: "approved", changelog: `Release ${version}.`, actorType: "system" })
      .returning();
    await db.update(schema.items).set({ latestVersionId: row!.id }).where(eq(schema.items.id, itemId));
  });
}

beforeAll(async () => {
  api = await startLocalApi();
  const { key } = await workspaceKey(api, ["catalog:read", "items:read", "items:install"]);
  configDir = mkdtempSync(join(tmpdir(), "cli-config-"));
  env = { MARKETPLACE_URL: api.url, MARKETPLACE_API_KEY: key, MARKETPLACE_CONFIG: join(configDir, "unused.json") };
  item = await marketplaceSkill();
}, 240_000);

afterAll(async () => {
  await api?.close();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

describe("CLI catalog commands", () => {
  it("search prints a table of matching items and a page line", async () => {
    const result = await runCli(["search", item.name], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ID\s+│\s+Type\s+│\s+Name/);
    expect(result.stdout).toContain(item.name);
    expect(result.stdout).toMatch(/1 of 1 \(offset 0\)/);
  });

  it("search --json prints the API's page, filters included", async () => {
    const result = await runCli(["search", "--type", "skill", "--limit", "2", "--json"], env);
    expect(result.code).toBe(0);
    const page = JSON.parse(result.stdout) as { items: Array<{ type: string }>; limit: number };
    expect(page.limit).toBe(2);
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((i) => i.type === "skill")).toBe(true);
  });

  it("show prints the item's fields and versions; --json the API's body", async () => {
    const table = await runCli(["show", item.id], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(item.name);
    expect(table.stdout).toMatch(/Versions\n[\s\S]*1\.0\.0/);
    const json = await runCli(["--json", "show", item.id], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: item.id, name: item.name, versions: [{ version: "1.0.0" }] });
  });
});

describe("CLI install commands", () => {
  it("install, installed, updates, update and uninstall walk an item through its life", async () => {
    const own = await marketplaceSkill();
    const installed = await runCli(["install", own.id], env);
    expect(installed.code).toBe(0);
    expect(installed.stdout).toMatch(/Installed[\s\S]*clone_id[\s\S]*1\.0\.0/);

    const listed = await runCli(["installed"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(own.id);

    expect(JSON.parse((await runCli(["updates", "--json"], env)).stdout).items).toEqual([]);
    await publishVersion(own.id, "1.1.0");
    const updates = await runCli(["updates"], env);
    expect(updates.code).toBe(0);
    expect(updates.stdout).toMatch(new RegExp(`${own.id}.*1\\.0\\.0.*1\\.1\\.0`));

    const updated = await runCli(["update", own.id, "--json"], env);
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ item_id: own.id, previous_version: "1.0.0", version: "1.1.0" });

    const installedJson = JSON.parse((await runCli(["installed", "--json"], env)).stdout) as { items: Array<{ item_id: string; installed_version: string }> };
    expect(installedJson.items.find((i) => i.item_id === own.id)?.installed_version).toBe("1.1.0");

    // Already up to date is no failure (issue 30 item 5): said so, exit 0, as npm update does.
    const again = await runCli(["update", own.id], env);
    expect(again).toMatchObject({ code: 0, stderr: "" });
    expect(again.stdout).toContain(`Already up to date: ${own.id}`);
    const againJson = await runCli(["update", own.id, "--json"], env);
    expect(againJson.code).toBe(0);
    expect(JSON.parse(againJson.stdout)).toEqual({ item_id: own.id, up_to_date: true });

    const removed = await runCli(["uninstall", own.id], env);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`Uninstalled ${own.id}`);
    const after = JSON.parse((await runCli(["installed", "--json"], env)).stdout) as { items: Array<{ item_id: string }> };
    expect(after.items.map((i) => i.item_id)).not.toContain(own.id);
  });

  it("installed --cursor walks the list by the API's next_cursor (issue 30 item 3), and the table names the next cursor", async () => {
    for (let i = 0; i < 2; i++) expect((await runCli(["install", (await marketplaceSkill()).id], env)).code).toBe(0);
    const all = JSON.parse((await runCli(["installed", "--json", "--limit", "100"], env)).stdout) as { items: Array<{ item_id: string }> };
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const result = await runCli(["installed", "--json", "--limit", "1", ...(cursor ? ["--cursor", cursor] : [])], env);
      expect(result.code, result.stderr).toBe(0);
      const page = JSON.parse(result.stdout) as { items: Array<{ item_id: string }>; next_cursor: string | null };
      walked.push(...page.items.map((i) => i.item_id));
      cursor = page.next_cursor;
    } while (cursor && walked.length <= all.items.length);
    expect(walked).toEqual(all.items.map((i) => i.item_id));
    const table = await runCli(["installed", "--limit", "1"], env);
    expect(table.stdout).toMatch(/1 of \d+ \(offset 0\)\nnext page: --cursor [A-Za-z0-9_-]+/);
  });

  it("install --version installs that version", async () => {
    const own = await marketplaceSkill();
    await publishVersion(own.id, "2.0.0");
    const result = await runCli(["install", own.id, "--version", "1.0.0", "--json"], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ item_id: own.id, version: "1.0.0" });
  });
});

describe("CLI exit codes", () => {
  it("2: an API refusal is one line with its code on stderr", async () => {
    const own = await marketplaceSkill();
    expect((await runCli(["install", own.id], env)).code).toBe(0);
    const again = await runCli(["install", own.id], env);
    expect(again.code).toBe(2);
    expect(again.stdout).toBe("");
    expect(again.stderr).toMatch(/^error: already_installed \(HTTP 409\): [^\n]+\n$/);

    const notInstalled = await runCli(["uninstall", (await marketplaceSkill()).id], env);
    expect(notInstalled.code).toBe(2);
    expect(notInstalled.stderr).toMatch(/^error: not_installed \(HTTP 404\)/);
  });

  it("2: a key without the scope is refused (403), not an authentication failure", async () => {
    const { key } = await workspaceKey(api, ["catalog:read"]);
    const result = await runCli(["install", item.id], { ...env, MARKETPLACE_API_KEY: key });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: [a-z_]+ \(HTTP 403\): [^\n]+\n$/);
  });

  it("3: an unknown key (401) or no key at all", async () => {
    const rejected = await runCli(["search"], { ...env, MARKETPLACE_API_KEY: "mk_live_not_a_real_key_000000000000" });
    expect(rejected.code).toBe(3);
    expect(rejected.stderr).toMatch(/^error: [a-z_]+ \(HTTP 401\): [^\n]+\n$/);
    const none = await runCli(["search"], { MARKETPLACE_URL: api.url, MARKETPLACE_CONFIG: join(configDir, "absent.json") });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain("no API key");
  });

  it("4: the API cannot be reached", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const result = await runCli(["search"], { ...env, MARKETPLACE_URL: closed });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(new RegExp(`^error: cannot reach ${closed}`));
  });

  it("1: unknown command, bad option, an id that is not a UUID, a plugin command without a workspace", async () => {
    for (const args of [[], ["plugins"], ["bogus"], ["search", "--nope"], ["show", "not-a-uuid"], ["install"], ["plugins", "enable", item.id]]) {
      const result = await runCli(args, env);
      expect(result.code, args.join(" ")).toBe(1);
      // A usage error, or the usage itself for a bare command group.
      expect(result.stderr, args.join(" ")).toMatch(/^error: |^Usage: marketplace/);
    }
  });

  it("--base-url wins over MARKETPLACE_URL", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const result = await runCli(["--base-url", api.url, "search", item.name, "--json"], { ...env, MARKETPLACE_URL: closed });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).items[0].id).toBe(item.id);
  });
});

describe("CLI behind a proxy (issue 30 item 5, npm/cli#6957)", () => {
  let proxy: ProxyProcess;
  beforeAll(async () => {
    proxy = await startProxyProcess();
  });
  afterAll(async () => {
    await proxy?.close();
  });
  const apiHost = () => new URL(api.url).host;
  const tunnelled = () => proxy.seen.filter((s) => s.target === apiHost() || s.target === `${api.url}/api/marketplace/items?search=${encodeURIComponent(item.name)}`);

  it("HTTP_PROXY and http_proxy carry the CLI's requests to an http API through the proxy process", async () => {
    for (const name of ["HTTP_PROXY", "http_proxy"]) {
      const before = tunnelled().length;
      const result = await runCli(["search", item.name, "--json"], { ...env, [name]: proxy.url });
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
      expect(JSON.parse(result.stdout).items[0].id).toBe(item.id);
      expect(tunnelled().length, name).toBe(before + 1);
    }
  });

  it("NO_PROXY and no_proxy send a matching host directly; another host still goes through the proxy", async () => {
    for (const [name, value] of [["NO_PROXY", "127.0.0.1"], ["no_proxy", "example.test,127.0.0.1"], ["NO_PROXY", "*"]] as const) {
      const before = proxy.seen.length;
      const result = await runCli(["search", item.name, "--json"], { ...env, HTTP_PROXY: proxy.url, [name]: value });
      expect(result.code, `${name}=${value}: ${result.stderr}`).toBe(0);
      expect(proxy.seen.length, `${name}=${value}`).toBe(before);
    }
    const before = tunnelled().length;
    const other = await runCli(["search", item.name, "--json"], { ...env, HTTP_PROXY: proxy.url, NO_PROXY: "localhost,example.test" });
    expect(other.code).toBe(0);
    expect(tunnelled().length).toBe(before + 1);
  });

  it("HTTPS_PROXY and https_proxy carry https requests (a CONNECT to the API's host), and not http ones", async () => {
    for (const name of ["HTTPS_PROXY", "https_proxy"]) {
      const before = proxy.seen.length;
      // No TLS server answers there: the proxy is asked to tunnel to it, the CLI then fails to reach it (exit 4).
      const result = await runCli(["search", "x"], { ...env, MARKETPLACE_URL: "https://api.marketplace.invalid", [name]: proxy.url });
      expect(result.code, name).toBe(4);
      expect(proxy.seen.slice(before), name).toEqual([{ method: "CONNECT", target: "api.marketplace.invalid:443" }]);
    }
    const before = proxy.seen.length;
    expect((await runCli(["search", item.name, "--json"], { ...env, HTTPS_PROXY: proxy.url })).code).toBe(0);
    expect(proxy.seen.length).toBe(before);
  });
});

describe("CLI help", () => {
  const commands = ["login", "search", "show", "install", "uninstall", "installed", "updates", "update", "plugins", "plugins list", "plugins show", "plugins enable", "plugins disable"];

  // In-process: the same program bin/marketplace.mjs runs, without a Node start per command.
  async function help(args: string[]): Promise<{ code: number; stdout: string }> {
    let stdout = "";
    const program = buildProgram(() => {}, { writeOut: (text) => (stdout += text), writeErr: () => {} });
    try {
      await program.parseAsync(["node", "marketplace", ...args]);
      return { code: 0, stdout };
    } catch (error) {
      return { code: error instanceof CommanderError && error.exitCode === 0 ? 0 : 1, stdout };
    }
  }

  it("--version prints this package's version, exit 0", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    const result = await runCli(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it("--json --version (either order, or -V) prints the version as JSON (issue 30 item 5)", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    for (const args of [["--json", "--version"], ["--version", "--json"], ["--json", "-V"]]) {
      const result = await runCli(args);
      expect(result, args.join(" ")).toMatchObject({ code: 0, stderr: "" });
      expect(JSON.parse(result.stdout), args.join(" ")).toEqual({ version });
    }
  });

  it("every command answers --help with its usage and the exit codes, exit 0", async () => {
    const top = await runCli(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain("MARKETPLACE_API_KEY");
    expect(top.stdout).toContain("4  network");
    for (const name of commands) {
      const result = await help([...name.split(" "), "--help"]);
      expect(result.code, name).toBe(0);
      expect(result.stdout, name).toContain(`Usage: marketplace ${name}`);
      expect(result.stdout, name).toContain("4  network");
    }
  });
});

describe("CLI login", () => {
  it("stores the key read from standard input in a 0600 file that later commands use", async () => {
    const { key } = await workspaceKey(api, ["catalog:read"]);
    const path = join(configDir, "nested", "config.json");
    const login = await runCli(["login", "--base-url", api.url], { MARKETPLACE_CONFIG: path }, `${key}\n`);
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ api_key: key, base_url: api.url });

    // Neither MARKETPLACE_API_KEY nor MARKETPLACE_URL: both come from the file.
    const search = await runCli(["search", item.name, "--json"], { MARKETPLACE_CONFIG: path });
    expect(search.code).toBe(0);
    expect(JSON.parse(search.stdout).items[0].id).toBe(item.id);
  });

  it("uses $XDG_CONFIG_HOME/marketplace/config.json when MARKETPLACE_CONFIG is unset, and keeps the workspace", async () => {
    const { key, workspaceId } = await workspaceKey(api, ["catalog:read"]);
    const xdg = join(configDir, "xdg");
    const login = await runCli(["login", "--key", key, "--workspace", workspaceId], { XDG_CONFIG_HOME: xdg, MARKETPLACE_URL: api.url });
    expect(login.code).toBe(0);
    const path = join(xdg, "marketplace", "config.json");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ api_key: key, workspace_id: workspaceId });
  });

  it("refuses a key the API does not know (exit 3) and writes nothing", async () => {
    const path = join(configDir, "rejected.json");
    const login = await runCli(["login", "--key", "mk_live_not_a_real_key_000000000000"], { MARKETPLACE_CONFIG: path, MARKETPLACE_URL: api.url });
    expect(login.code).toBe(3);
    expect(existsSync(path)).toBe(false);
  });
});
