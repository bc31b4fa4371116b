import { spawn, type SpawnOptions } from "node:child_process";

/**
 * Stops a child spawned with `detached: true` by signalling its whole process
 * group (negative pid), so grandchildren die too; escalates to SIGKILL if the
 * group has not exited after `graceMs`.
 */
export async function killGroup(
  pid: number,
  exited: Promise<unknown>,
  opts: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // ESRCH: the group is already gone
    }
  };
  signal(opts.signal ?? "SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), opts.graceMs ?? 5_000);
  });
  if ((await Promise.race([exited, timedOut])) === "timeout") {
    signal("SIGKILL");
    await exited;
  }
  clearTimeout(timer);
}

/** A server started by spawnServer. */
export interface ServerProcess {
  pid: number;
  exited: Promise<void>;
  hasExited(): boolean;
  /** The last 4,000 characters the server printed, for error messages. */
  log(): string;
  /** Signals the whole group (SIGINT by default) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Spawns a local server in its own process group (so a stop, or a crash of ours, takes its whole
 * tree down), keeping the tail of its output for error messages; draining the pipes also keeps it
 * from blocking on a full one.
 */
export function spawnServer(bin: string, args: string[], options: SpawnOptions): ServerProcess {
  const child = spawn(bin, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let hasExited = false;
  // A spawn that fails (ENOENT, EACCES) emits "error" and never "exit": it counts as exited, with the reason in the log.
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", (error) => {
      log += `\n${error.message}`;
      resolve();
    });
  });
  void exited.then(() => (hasExited = true));
  return {
    pid: child.pid!,
    exited,
    hasExited: () => hasExited,
    log: () => log.trim(),
    stop: async (signal: NodeJS.Signals = "SIGINT") => {
      if (!hasExited && child.pid !== undefined) await killGroup(child.pid, exited, { signal });
    },
  };
}
