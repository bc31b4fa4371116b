import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerCatalogCommands } from "./commands/catalog";
import { registerInstallCommands } from "./commands/installs";
import { registerLoginCommand } from "./commands/login";
import { registerPluginCommands } from "./commands/plugins";
import { CliError, EXIT, EXIT_CODES_HELP } from "./exit-codes";

const SETTINGS_HELP = `
Settings:
  API key   MARKETPLACE_API_KEY, else the config file written by \`marketplace login\`
  base URL  --base-url, else MARKETPLACE_URL, else the config file, else http://127.0.0.1:8787
  config    MARKETPLACE_CONFIG, else $XDG_CONFIG_HOME/marketplace/config.json (~/.config/…)`;

const PROXY_HELP = `
Proxies:
  HTTPS_PROXY / https_proxy for https URLs, HTTP_PROXY / http_proxy for http URLs; hosts in
  NO_PROXY / no_proxy (comma-separated; .suffix; *) connect directly. Lower case wins.`;

/** Where commander writes help and usage errors; subcommands inherit it when created. */
export interface HelpOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/** This package's version, read from its package.json next to cli/ (the CLI runs from source). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}

export function buildProgram(write: (text: string) => void, help?: HelpOutput): Command {
  const program = new Command("marketplace");
  if (help) program.configureOutput(help);
  program
    .description("The agent marketplace from the command line, for API-key holders")
    .option("--base-url <url>", "the API's base URL")
    .option("--json", "print the API's JSON instead of a table")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)");
  registerLoginCommand(program, write);
  registerCatalogCommands(program, write);
  registerInstallCommands(program, write);
  registerPluginCommands(program, write);
  program.addHelpText("after", `\n  marketplace --version (-V) prints the CLI's version (with --json: {"version": "…"}).\n${SETTINGS_HELP}\n${PROXY_HELP}\n${EXIT_CODES_HELP}`);
  for (const command of allCommands(program)) {
    if (command !== program) command.addHelpText("after", EXIT_CODES_HELP);
  }
  return program;
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

/**
 * Whether the command line asks for the CLI's version: `--version` (or `-V`) with no command, beside
 * at most the global `--json` (issue 30 item 5: `--json --version` prints `{"version": …}`, as a
 * script reading --json output expects, instead of "unknown option"). Only without a command, so
 * `install <id> --version <v>` keeps its own --version.
 */
function versionRequest(args: string[]): { json: boolean } | undefined {
  const rest = args.filter((a) => a !== "--json");
  if (rest.length !== 1 || (rest[0] !== "--version" && rest[0] !== "-V")) return undefined;
  return { json: rest.length < args.length };
}

/** Runs the CLI and returns its exit code (see EXIT_CODES_HELP). */
export async function main(argv: string[]): Promise<number> {
  const version = versionRequest(argv.slice(2));
  if (version) {
    process.stdout.write(version.json ? `${JSON.stringify({ version: packageVersion() })}\n` : `${packageVersion()}\n`);
    return EXIT.ok;
  }
  const program = buildProgram((text) => process.stdout.write(`${text}\n`));
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message; --help is exit 0, help shown for a missing command is 1.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
}
