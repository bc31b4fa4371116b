import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoPluginDeps } from "../../scripts/seed/demo-plugin-deps";
import { loadDemoPlugins } from "../../scripts/seed/demo-plugins";
import { runCli } from "./cli-run";
import { startLocalApi, workspaceKey, type LocalApi } from "./local-api";

// Issue 17 item 3: `marketplace plugins list|show|enable|disable` against a local worker, with the
// demo plugins uploaded and approved through the real pipeline (pr-review-kit approved,
// release-notes-helper pending).

let api: LocalApi;
let configDir: string;
let env: Record<string, string>;
let workspaceId: string;
let pluginId: string;

beforeAll(async () => {
  api = await startLocalApi();
  const deps = demoPluginDeps(api.bindings.DATABASE_URL);
  await loadDemoPlugins(api.url, { ...deps, token: api.token });
  const owner = await workspaceKey(api, ["catalog:read", "plugins:enable"]);
  workspaceId = owner.workspaceId;
  configDir = mkdtempSync(join(tmpdir(), "cli-plugins-"));
  env = { MARKETPLACE_URL: api.url, MARKETPLACE_API_KEY: owner.key, MARKETPLACE_CONFIG: join(configDir, "unused.json") };
  const list = await runCli(["plugins", "list", "--json"], env);
  const found = (JSON.parse(list.stdout) as { items: Array<{ id: string; slug: string }> }).items.find((p) => p.slug === "pr-review-kit");
  if (!found) throw new Error(`the approved demo plugin is not listed: ${list.stdout}${list.stderr}`);
  pluginId = found.id;
}, 240_000);

afterAll(async () => {
  await api?.close();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

describe("CLI plugin commands", () => {
  it("plugins list prints a table of approved plugins only; --json the API's page", async () => {
    const table = await runCli(["plugins", "list"], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/ID\s+│\s+Name/);
    expect(table.stdout).toContain(pluginId);
    expect(table.stdout).not.toContain("release-notes-helper");
    const json = JSON.parse((await runCli(["plugins", "list", "pr-review", "--json"], env)).stdout) as { items: Array<{ id: string }> };
    expect(json.items.map((p) => p.id)).toContain(pluginId);
  });

  it("plugins show prints the plugin; --json the API's body", async () => {
    const table = await runCli(["plugins", "show", pluginId], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(pluginId);
    const json = await runCli(["plugins", "show", pluginId, "--json"], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: pluginId });
  });

  it("plugins enable shows the permissions to accept and the flag that accepts them (issue 28 item 5)", async () => {
    const asked = await runCli(["plugins", "enable", pluginId, "--workspace", workspaceId], env);
    expect(asked.code).toBe(2);
    // pr-review-kit declares the catalog tool `github` (scripts/seed/plugins/pr-review-kit/manifest.json).
    expect(asked.stderr).toMatch(/^error: permissions_not_accepted \(HTTP 409\): this plugin version asks for:\n/);
    expect(asked.stderr).toMatch(/^ {2}tools: +github$/m);
    expect(asked.stderr).toMatch(/^ {2}network: +none$/m);
    const flag = /--accept-permissions ([0-9a-f]{64})\n$/.exec(asked.stderr);
    expect(flag).not.toBeNull();
    const wrong = await runCli(["plugins", "enable", pluginId, "--workspace", workspaceId, "--accept-permissions", "0".repeat(64)], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`--accept-permissions ${flag![1]}`);
  });

  it("plugins enable and disable act on the workspace; twice is an API refusal (exit 2) with its code", async () => {
    const consent = /--accept-permissions ([0-9a-f]{64})/.exec((await runCli(["plugins", "enable", pluginId, "--workspace", workspaceId], env)).stderr)![1]!;
    const enabled = await runCli(["plugins", "enable", pluginId, "--workspace", workspaceId, "--accept-permissions", consent], env);
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toContain("Enabled");
    expect(enabled.stdout).toContain(consent);

    const again = await runCli(["plugins", "enable", pluginId, "--workspace", workspaceId, "--accept-permissions", consent], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error: [a-z_]+ \(HTTP 409\): [^\n]+\n$/);

    // The workspace from the environment this time.
    const disabled = await runCli(["plugins", "disable", pluginId], { ...env, MARKETPLACE_WORKSPACE_ID: workspaceId });
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toContain("Disabled");

    const twice = await runCli(["plugins", "disable", pluginId, "--workspace", workspaceId, "--json"], env);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/^error: [a-z_]+ \(HTTP 404\)/);
  });

  it("an unknown plugin id is an API refusal (exit 2, 404)", async () => {
    const missing = await runCli(["plugins", "show", "00000000-0000-4000-8000-000000000000"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/\(HTTP 404\)/);
  });

  it("a key without plugins:enable is refused (exit 2, 403); an unknown key is exit 3", async () => {
    const reader = await workspaceKey(api, ["catalog:read"]);
    const refused = await runCli(["plugins", "enable", pluginId, "--workspace", reader.workspaceId], { ...env, MARKETPLACE_API_KEY: reader.key });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/\(HTTP 403\)/);
    const unknown = await runCli(["plugins", "list"], { ...env, MARKETPLACE_API_KEY: "mk_live_not_a_real_key_000000000000" });
    expect(unknown.code).toBe(3);
  });

  it("plugins enable without a workspace is a usage error (exit 1) before any request", async () => {
    const result = await runCli(["plugins", "enable", pluginId], { ...env, MARKETPLACE_URL: "http://127.0.0.1:1" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no workspace");
  });
});
