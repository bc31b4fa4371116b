import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { callApi } from "../api";
import { configPath, readConfig, resolveSettings, writeConfig } from "../config";
import { uuidArg, type GlobalOptions } from "../context";
import { CliError, EXIT } from "../exit-codes";

type Write = (text: string) => void;

async function readKey(): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdin.isTTY ? process.stderr : undefined, terminal: false });
  try {
    if (process.stdin.isTTY) process.stderr.write("API key: ");
    for await (const line of rl) return line.trim();
    return "";
  } finally {
    rl.close();
  }
}

/**
 * `login`: checks the key against the API (401 → exit 3, nothing written) and stores it, with the
 * base URL and workspace, in the config file with mode 0600.
 */
export function registerLoginCommand(program: Command, write: Write) {
  program
    .command("login")
    .description("Store an API key (and base URL, workspace) in the config file, mode 0600")
    .option("--key <key>", "the API key (default: read from standard input, so it stays out of shell history)")
    .option("--workspace <id>", "the key's workspace id, used by `plugins enable|disable`", uuidArg)
    .action(async (options: { key?: string; workspace?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const key = options.key ?? (await readKey());
      if (!key) throw new CliError(EXIT.usage, "error: no API key given (--key or standard input)");
      const settings = resolveSettings(globals);
      // Any answer but 401 shows the key is known: a 403 only means it lacks catalog:read.
      try {
        await callApi(settings, "GET", "/api/marketplace/items", { query: { limit: 1 }, apiKey: key });
      } catch (error) {
        if (!(error instanceof CliError) || error.exitCode !== EXIT.refused) throw error;
      }
      const path = configPath();
      const previous = readConfig(path);
      writeConfig({ ...previous, api_key: key, base_url: settings.baseUrl, ...(options.workspace ? { workspace_id: options.workspace } : {}) }, path);
      write(globals.json ? JSON.stringify({ config: path, base_url: settings.baseUrl }) : `Logged in to ${settings.baseUrl}; key stored in ${path} (mode 0600)`);
    });
}
