import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError, EXIT } from "./exit-codes";

/** What `marketplace login` stores. */
export interface CliConfig {
  api_key?: string;
  base_url?: string;
  workspace_id?: string;
}

/** Used when neither --base-url, MARKETPLACE_URL nor the config names one: `npm run dev`'s address. */
export const DEFAULT_BASE_URL = "http://127.0.0.1:8787";

/**
 * The config file: MARKETPLACE_CONFIG when set (tests point it at a temporary file), else
 * $XDG_CONFIG_HOME/marketplace/config.json, else ~/.config/marketplace/config.json (XDG Base Directory spec).
 */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MARKETPLACE_CONFIG) return env.MARKETPLACE_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "marketplace", "config.json");
}

/** The stored settings ({} when there is no file); a file that is not JSON is a usage error (exit 1). */
export function readConfig(path = configPath()): CliConfig {
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
    return parsed && typeof parsed === "object" ? (parsed as CliConfig) : {};
  } catch {
    throw new CliError(EXIT.usage, `the config file ${path} is not valid JSON; run \`marketplace login\` again`);
  }
}

/** Writes the config readable by its owner only (0600; its folder 0700), as it holds a secret. */
export function writeConfig(config: CliConfig, path = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync's mode applies only when it creates the file; an older file may be wider.
  chmodSync(path, 0o600);
}

export interface Settings {
  baseUrl: string;
  apiKey: string | undefined;
  workspaceId: string | undefined;
}

/** Flag, then environment, then config file, then default. */
export function resolveSettings(flags: { baseUrl?: string; workspace?: string }, env: NodeJS.ProcessEnv = process.env): Settings {
  const config = readConfig(configPath(env));
  const baseUrl = flags.baseUrl || env.MARKETPLACE_URL || config.base_url || DEFAULT_BASE_URL;
  return {
    baseUrl: baseUrl.replace(/\/+$/, ""),
    apiKey: env.MARKETPLACE_API_KEY || config.api_key,
    workspaceId: flags.workspace || env.MARKETPLACE_WORKSPACE_ID || config.workspace_id,
  };
}
