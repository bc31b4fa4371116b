import { InvalidArgumentError, type Command } from "commander";
import { resolveSettings, type Settings } from "./config";
import type { Output } from "./output";

export interface GlobalOptions {
  baseUrl?: string;
  json?: boolean;
  workspace?: string;
}

export interface Context {
  settings: Settings;
  out: Output;
}

/** The settings and output of the command being run (global options may come before or after it). */
export function contextOf(command: Command, write: (text: string) => void): Context {
  const options = command.optsWithGlobals<GlobalOptions>();
  return { settings: resolveSettings(options), out: { json: Boolean(options.json), write } };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs: anything else is a usage error (exit 1) before any request. */
export function uuidArg(value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError("expected a UUID");
  return value;
}

export function intArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number");
  return n;
}
