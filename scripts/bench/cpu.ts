import { readdirSync, readFileSync } from "node:fs";

// Worker CPU time per request (issue 32 item 1): what Workers bills, and what its free plan stops
// at 10 ms. Each Miniflare instance is its own workerd process, spawned by this process
// (miniflare's Runtime spawns the workerd binary directly), so a worker's CPU time is its
// process's user + system time, read from /proc/<pid>/stat before and after the measured requests.

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on every Linux ABI). */
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

/** The workerd processes this process has spawned and that are still running. */
export function workerdChildren(): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let comm: string;
    try {
      comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    // Field 4 of stat is the parent pid (index 1 after the name).
    if (comm === "workerd" && Number(statFields(pid)?.[1]) === process.pid) pids.add(pid);
  }
  return pids;
}

/**
 * The pid of the workerd that `start` spawns: the one child that is new once it resolved. Null off
 * Linux or when it cannot be told apart (another instance started at the same time).
 */
export async function withWorkerdPid<T>(start: () => Promise<T>): Promise<{ value: T; pid: number | null }> {
  const before = process.platform === "linux" ? workerdChildren() : new Set<number>();
  const value = await start();
  if (process.platform !== "linux") return { value, pid: null };
  const fresh = [...workerdChildren()].filter((pid) => !before.has(pid));
  return { value, pid: fresh.length === 1 ? fresh[0]! : null };
}

/** User + system CPU time of the process (all its threads) so far, in milliseconds; null when gone. */
export function cpuTimeMs(pid: number): number | null {
  const fields = statFields(pid);
  if (!fields) return null;
  // utime and stime are fields 14 and 15 of stat: indexes 11 and 12 after the name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}
