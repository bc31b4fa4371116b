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
  program.addHelpText("after", `\n  marketplace --version (-V) prints the CLI's version.\n${SETTINGS_HELP}\n${EXIT_CODES_HELP}`);
  for (const command of allCommands(program)) {
    if (command !== program) command.addHelpText("after", EXIT_CODES_HELP);
  }
  return program;
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

/** Runs the CLI and returns its exit code (see EXIT_CODES_HELP). */
export async function main(argv: string[]): Promise<number> {
  // Only as the whole command line: `install <id> --version <v>` keeps its own --version.
  if (argv.length === 3 && (argv[2] === "--version" || argv[2] === "-V")) {
    process.stdout.write(`${packageVersion()}\n`);
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
