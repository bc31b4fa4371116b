import type { Command } from "commander";
import { callApi } from "../api";
import { contextOf, intArg, uuidArg } from "../context";
import { CliError, EXIT } from "../exit-codes";
import { pageLine, print, printable, record, table, type Row } from "../output";
import type { Settings } from "../config";

type Write = (text: string) => void;

const PLUGIN_COLUMNS: Array<[string, string]> = [
  ["id", "ID"],
  ["name", "Name"],
  ["display_name", "Display name"],
  ["version", "Version"],
  ["latest_version", "Version"],
  ["category", "Category"],
  ["enable_count", "Enabled by"],
];

/** Enable and disable act on a workspace named in the path: flag, MARKETPLACE_WORKSPACE_ID or the config. */
function workspaceOf(settings: Settings): string {
  if (!settings.workspaceId) {
    throw new CliError(EXIT.usage, "error: no workspace: pass --workspace <id>, set MARKETPLACE_WORKSPACE_ID or run `marketplace login --workspace <id>`");
  }
  return settings.workspaceId;
}

/** The permissions of a version in one line each kind, as the user is asked to accept them (design.md §42). */
function permissionLines(permissions: Record<string, unknown>): string {
  const list = (v: unknown) => (Array.isArray(v) && v.length ? v.map(String).join(", ") : "none");
  return [
    `  network:     ${list(permissions.network)}`,
    `  environment: ${list(permissions.environment)}`,
    `  shell:       ${permissions.shell === true ? "yes" : "no"}`,
    `  files:       ${typeof permissions.files === "string" ? permissions.files : "none"}`,
    `  tools:       ${list(permissions.tools)}`,
  ].join("\n");
}

/**
 * A 409 `permissions_not_accepted` turned into what the user must read before consenting: the
 * permissions asked for and the flag that accepts them. Other errors pass unchanged.
 */
function askForConsent(error: unknown, pluginId: string): unknown {
  const problem = error instanceof CliError ? (error.problem as { code?: unknown; permissions?: unknown; permissions_hash?: unknown } | undefined) : undefined;
  if (!problem || problem.code !== "permissions_not_accepted" || typeof problem.permissions !== "object" || typeof problem.permissions_hash !== "string") return error;
  // Each line made terminal-safe on its own: host and variable names come from a publisher.
  const lines = [
    "error: permissions_not_accepted (HTTP 409): this plugin version asks for:",
    permissionLines(problem.permissions as Record<string, unknown>),
    `To accept them: marketplace plugins enable ${pluginId} --accept-permissions ${problem.permissions_hash}`,
  ];
  return new CliError(
    EXIT.refused,
    lines.flatMap((l) => l.split("\n")).map(printable).join("\n"),
    problem,
  );
}

/** `plugins list|show|enable|disable` (GET /api/marketplace/plugins[/{id}], POST/DELETE /api/workspaces/{workspace_id}/plugins). */
export function registerPluginCommands(program: Command, write: Write) {
  const plugins = program.command("plugins").description("Browse plugins and enable them in a workspace");

  plugins
    .command("list")
    .description("Browse or search the plugin catalog (GET /api/marketplace/plugins)")
    .argument("[query...]", "words to search for")
    .option("--category <id>", "a plugin category id")
    .option("--tags <tags>", "comma-separated")
    .option("--sort <order>", "popular, newest or name")
    .option("--limit <n>", "1–100 (default 20)", intArg)
    .option("--offset <n>", "skip this many", intArg)
    .option("--cursor <cursor>", "the next_cursor of the previous page (sort newest or name, no search; not with --offset)")
    .action(async (words: string[], options: Record<string, string | number | undefined>, command: Command) => {
      const { settings, out } = contextOf(command, write);
      const search = words.join(" ").trim() || undefined;
      const page = (await callApi(settings, "GET", "/api/marketplace/plugins", {
        query: { search, category_id: options.category, tags: options.tags, sort: options.sort, limit: options.limit, offset: options.offset, cursor: options.cursor },
      })) as { items: Row[]; total: number; offset: number };
      // The list shows one version column: `version` when the API names it so, else `latest_version`.
      const columns = page.items.some((p) => p.version !== undefined) ? PLUGIN_COLUMNS.filter(([k]) => k !== "latest_version") : PLUGIN_COLUMNS;
      print(out, page, () => `${table(page.items, columns)}\n${pageLine(page)}`);
    });

  plugins
    .command("show")
    .description("One plugin: manifest, contents, versions, scan verdict (GET /api/marketplace/plugins/{id})")
    .argument("<plugin_id>", "the plugin's id (UUID)", uuidArg)
    .action(async (id: string, _options: unknown, command: Command) => {
      const { settings, out } = contextOf(command, write);
      const plugin = (await callApi(settings, "GET", `/api/marketplace/plugins/${id}`)) as Row;
      print(out, plugin, () => record(plugin, ["id", "name", "display_name", "version", "latest_version", "description", "category"]));
    });

  plugins
    .command("enable")
    .description("Enable a plugin in the workspace (POST /api/workspaces/{workspace_id}/plugins)")
    .argument("<plugin_id>", "the plugin's id (UUID)", uuidArg)
    .option("--workspace <id>", "the workspace (default: MARKETPLACE_WORKSPACE_ID or the config)", uuidArg)
    .option("--accept-permissions <hash>", "consent to the permissions the version asks for: its permissions_hash, as a first try without it shows")
    .action(async (id: string, options: { acceptPermissions?: string }, command: Command) => {
      const { settings, out } = contextOf(command, write);
      const workspaceId = workspaceOf(settings);
      const body = { plugin_id: id, ...(options.acceptPermissions ? { accept_permissions: options.acceptPermissions } : {}) };
      const result = (await callApi(settings, "POST", `/api/workspaces/${workspaceId}/plugins`, { body }).catch((error: unknown) => {
        throw askForConsent(error, id);
      })) as Row;
      print(out, result, () => `Enabled\n${record(result ?? { plugin_id: id })}`);
    });

  plugins
    .command("disable")
    .description("Disable a plugin in the workspace (DELETE /api/workspaces/{workspace_id}/plugins/{plugin_id})")
    .argument("<plugin_id>", "the plugin's id (UUID)", uuidArg)
    .option("--workspace <id>", "the workspace (default: MARKETPLACE_WORKSPACE_ID or the config)", uuidArg)
    .action(async (id: string, _options: unknown, command: Command) => {
      const { settings, out } = contextOf(command, write);
      const workspaceId = workspaceOf(settings);
      const result = (await callApi(settings, "DELETE", `/api/workspaces/${workspaceId}/plugins/${id}`)) as Row | null;
      const shown = result ?? { plugin_id: id, disabled: true };
      print(out, shown, () => `Disabled\n${record(shown)}`);
    });
}
