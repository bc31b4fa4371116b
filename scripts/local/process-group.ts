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
