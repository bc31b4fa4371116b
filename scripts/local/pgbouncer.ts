import { chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { aptInstall, findExecutable } from "./apt.ts";
import { runAsIds } from "./debian-postgres.ts";
import { freePort } from "./free-port.ts";
import { spawnServer } from "./process-group.ts";

export interface Pgbouncer {
  port: number;
  /** The process's pid (its own process group). */
  pid: number;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

export function findPgbouncerBinary(): string | null {
  return findExecutable("pgbouncer", ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]);
}

/** Installs Debian's pgbouncer when we may (scripts/local/apt.ts); otherwise says what to run. */
export function installPgbouncer(): { ok: boolean; message: string } {
  return aptInstall("pgbouncer", findPgbouncerBinary);
}

/**
 * PgBouncer in session mode on loopback in front of a local PostgreSQL, for the test stack.
 *
 * Why: every pooled database call of the worker opens a new WebSocket, which the local relay turns
 * into a new PostgreSQL connection, and a new backend costs about 16 ms here (pgbench -C) plus its
 * cold catalog caches: most of a request's time on this machine. Neon's own endpoints put a pooler
 * in front of PostgreSQL too. Session mode hands each client a whole server connection and resets it
 * with DISCARD ALL when the client leaves, so a client sees exactly what a direct connection gives.
 * Any database name passes through to the same server (`* =`), trust auth, loopback only.
 */
export async function startPgbouncer(opts: { postgresPort: number; poolSize: number }): Promise<Pgbouncer> {
  const bin = findPgbouncerBinary();
  if (!bin) throw new Error("pgbouncer is not installed (apt-get install -y pgbouncer)");
  // PgBouncer refuses to run as root: as root it runs as `postgres`, like the cluster.
  const ids = runAsIds();
  const dir = mkdtempSync(join(tmpdir(), "local-pgbouncer-"));
  const port = await freePort();
  const config = join(dir, "pgbouncer.ini");
  writeFileSync(join(dir, "users.txt"), '"postgres" ""\n');
  writeFileSync(
    config,
    [
      "[databases]",
      `* = host=127.0.0.1 port=${opts.postgresPort}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${join(dir, "users.txt")}`,
      "pool_mode = session",
      "max_client_conn = 2000",
      `default_pool_size = ${opts.poolSize}`,
      "server_reset_query = DISCARD ALL",
      // Thousands of connections a run: log only errors.
      "log_connections = 0",
      "log_disconnections = 0",
      // Sent by pg and Neon's driver at connect; PgBouncer refuses unknown startup parameters.
      "ignore_startup_parameters = extra_float_digits,options",
      "",
    ].join("\n"),
  );
  if (ids) {
    for (const path of [dir, config, join(dir, "users.txt")]) chownSync(path, ids.uid, ids.gid);
  }
  const server = spawnServer(bin, [config], { cwd: dir, ...(ids ?? {}) });
  const close = async (): Promise<void> => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await answers(`postgresql://postgres@127.0.0.1:${port}/postgres`))) {
    if (server.hasExited() || Date.now() > deadline) {
      await close();
      throw new Error(`pgbouncer did not become ready on port ${port}:\n${server.log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, pid: server.pid, close };
}

async function answers(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
