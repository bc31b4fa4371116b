import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { aptInstall, findExecutable } from "./apt.ts";
import { freePort } from "./free-port.ts";
import { killGroup } from "./process-group.ts";
import { RespConnection } from "./resp.ts";

const INSTALL_COMMAND = "sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server";
const READY_TIMEOUT_MS = 10_000;

export function findRedisServerBinary(): string | null {
  return findExecutable("redis-server", ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]);
}

/** Installs Debian's redis-server when we may (scripts/local/apt.ts); otherwise says what to run. */
export function installRedisServer(): { ok: boolean; message: string } {
  return aptInstall("redis-server", findRedisServerBinary);
}

/**
 * Starts a throwaway, memory-only redis-server on loopback. It runs in its own
 * process group so close() (or a crash of ours) can take the whole tree down.
 */
export async function startRedisServer(
  opts: { port?: number } = {},
): Promise<{ port: number; pid: number; close(): Promise<void> }> {
  const bin = findRedisServerBinary();
  if (!bin) throw new Error(`redis-server not found; install it with: ${INSTALL_COMMAND}`);
  const port = opts.port ?? (await freePort());
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"];
  const child = spawn(bin, args, { cwd: tmpdir(), detached: true, stdio: ["ignore", "pipe", "pipe"] });

  // Keep the tail of its log for error messages; draining also keeps redis from blocking on a full pipe.
  let log = "";
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));

  const close = async (): Promise<void> => {
    if (hasExited || child.pid === undefined) return;
    await killGroup(child.pid, exited);
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const outcome = await Promise.race([
      // Matching the pid guards against a foreign redis already on that port.
      serverPid(port).then((pid) => (pid === child.pid ? "ready" : "retry")),
      exited.then(() => "exited" as const),
      spawnError.then((err) => err),
    ]);
    if (outcome === "ready") return { port, pid: child.pid!, close };
    if (outcome instanceof Error) throw new Error(`could not spawn ${bin}: ${outcome.message}`);
    if (outcome === "exited") throw new Error(`redis-server exited during start-up on port ${port}:\n${log.trim()}`);
    if (Date.now() > deadline) {
      await close();
      throw new Error(`redis-server did not answer PING on 127.0.0.1:${port} within ${READY_TIMEOUT_MS / 1000}s:\n${log.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The process_id a redis on `port` reports, or null if it does not answer. */
async function serverPid(port: number): Promise<number | null> {
  let conn: RespConnection | undefined;
  try {
    conn = await RespConnection.open("127.0.0.1", port, 1_000);
    const [pong, info] = await conn.send([["PING"], ["INFO", "server"]]);
    if (pong?.type !== "simple" || pong.value !== "PONG") return null;
    const text = info?.type === "bulk" && info.value ? info.value.toString("utf8") : "";
    const pid = /^process_id:(\d+)/m.exec(text)?.[1];
    return pid === undefined ? null : Number(pid);
  } catch {
    return null;
  } finally {
    conn?.close();
  }
}
