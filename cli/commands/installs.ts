import type { Command } from "commander";
import { callApi, isProblem } from "../api";
import { contextOf, intArg, uuidArg } from "../context";
import { pageLine, print, record, table, type Row } from "../output";

type Write = (text: string) => void;

/** install, uninstall, installed, updates, update: the key's workspace (scopes items:install / items:read). */
export function registerInstallCommands(program: Command, write: Write) {
  program
    .command("install")
    .description("Install a catalog item into the key's workspace (POST /api/marketplace/items/{id}/install)")
    .argument("<item_id>", "the catalog item's id (UUID)", uuidArg)
    .option("--version <version>", "an approved version (default: the listed one)")
    .option("--idempotency-key <key>", "retry-safe: the same key returns the first result")
    .action(async (id: string, options: { version?: string; idempotencyKey?: string }, command: Command) => {
      const { settings, out } = contextOf(command, write);
      const result = (await callApi(settings, "POST", `/api/marketplace/items/${id}/install`, {
        body: options.version ? { version: options.version } : {},
        headers: options.idempotencyKey ? { "Idempotency-Key": options.idempotencyKey } : {},
      })) as Row;
      print(out, result, () => `Installed\n${record(result, ["item_id", "clone_id", "type", "name", "version"])}`);
    });

  program
    .command("uninstall")
    .description("Delete the workspace's copy of an item (DELETE /api/marketplace/items/{id}/install)")
    .argument("<item_id>", "the catalog item's id (UUID)", uuidArg)
    .action(async (id: string, _options: unknown, command: Command) => {
      const { settings, out } = contextOf(command, write);
      await callApi(settings, "DELETE", `/api/marketplace/items/${id}/install`);
      print(out, { item_id: id, uninstalled: true }, () => `Uninstalled ${id}`);
    });

  program
    .command("installed")
    .description("The workspace's installed items (GET /api/marketplace/installs)")
    .option("--limit <n>", "1–100 (default 50)", intArg)
    .option("--offset <n>", "skip this many", intArg)
    .option("--cursor <cursor>", "the next_cursor of the previous page (not with --offset)")
    .action(async (options: { limit?: number; offset?: number; cursor?: string }, command: Command) => {
      const { settings, out } = contextOf(command, write);
      const page = (await callApi(settings, "GET", "/api/marketplace/installs", { query: options })) as { items: Row[]; total: number; offset: number };
      print(out, page, () =>
        `${table(page.items, [["item_id", "Item"], ["item_name", "Name"], ["type", "Type"], ["clone_name", "Copy"], ["installed_version", "Installed"], ["latest_version", "Latest"], ["update_available", "Update"], ["removed", "Removed"]])}\n${pageLine(page)}`,
      );
    });

  program
    .command("updates")
    .description("Installed items with a newer approved version (GET /api/marketplace/updates)")
    .option("--limit <n>", "1–100 (default 50)", intArg)
    .option("--offset <n>", "skip this many", intArg)
    .action(async (options: { limit?: number; offset?: number }, command: Command) => {
      const { settings, out } = contextOf(command, write);
      const page = (await callApi(settings, "GET", "/api/marketplace/updates", { query: options })) as { items: Row[]; total: number; offset: number };
      // The canonical names (design.md §52), the same columns as `installed` for the same facts.
      print(out, page, () =>
        `${table(page.items, [["item_id", "Item"], ["item_name", "Name"], ["type", "Type"], ["installed_version", "Installed"], ["latest_version", "Latest"], ["safe_version", "Safe"], ["removed", "Removed"]])}\n${pageLine(page)}`,
      );
    });

  program
    .command("update")
    .description("Move the workspace's copy to the available update (POST /api/marketplace/items/{id}/update); already up to date is not an error (exit 0)")
    .argument("<item_id>", "the catalog item's id (UUID)", uuidArg)
    .action(async (id: string, _options: unknown, command: Command) => {
      const { settings, out } = contextOf(command, write);
      let result: Row;
      try {
        result = (await callApi(settings, "POST", `/api/marketplace/items/${id}/update`)) as Row;
      } catch (error) {
        // Nothing to do is success, as `npm update` and `apt upgrade` treat it (issue 30 item 5).
        if (!isProblem(error, "up_to_date")) throw error;
        print(out, { item_id: id, up_to_date: true }, () => `Already up to date: ${id}`);
        return;
      }
      print(out, result, () => `Updated\n${record(result, ["item_id", "clone_id", "name", "previous_version", "version"])}`);
    });
}
