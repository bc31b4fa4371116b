import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { STATE_FILE } from "./paths";

/** What a running `npm run dev` leaves for other commands (token, seed) and for its own restart. */
export interface DevState {
  pid: number;
  /** Process groups started by dev (wrangler); killed on exit and, if a previous run crashed, on start. */
  processGroups: number[];
  apiUrl: string;
  bindings: Record<string, string>;
  startedAt: string;
}

export function readDevState(): DevState | null {
  if (!existsSync(STATE_FILE)) return null;
  try {
    return JSON.parse(readFileSync(STATE_FILE, "utf8")) as DevState;
  } catch {
    return null;
  }
}

export function writeDevState(state: DevState): void {
  mkdirSync(dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
}

export function clearDevState(): void {
  rmSync(STATE_FILE, { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The running dev stack, if its owner process is still alive. */
export function liveDevState(): DevState | null {
  const state = readDevState();
  return state && isAlive(state.pid) ? state : null;
}

export function killProcessGroup(pgid: number, signal: NodeJS.Signals = "SIGTERM"): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}
