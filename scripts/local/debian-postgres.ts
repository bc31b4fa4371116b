import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { aptInstall } from "./apt.ts";
import { freePort } from "./free-port.ts";
import { spawnServer } from "./process-group.ts";

export interface LocalPostgres {
  port: number;
  connectionString: string;
  /** The postgres server's pid (its own process group). */
  pid: number;
  close(): Promise<void>;
}

/** Installs Debian's `postgresql` when we may (scripts/local/apt.ts); otherwise says what to run. */
export function installDebianPostgres(): { ok: boolean; message: string } {
  return aptInstall("postgresql", findDebianPostgresBin);
}

/** Newest /usr/lib/postgresql/<major>/bin that has initdb, if any. */
export function findDebianPostgresBin(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const majors = readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  const dir = majors.map((m) => join(root, m, "bin")).find((d) => existsSync(join(d, "initdb")));
  return dir ?? null;
}

/**
 * Debian PostgreSQL cluster (trust auth, loopback only). By default a throwaway one in a temp dir
 * with fsync off; with `dataDir` a private cluster kept there across runs (initdb on first use).
 * initdb refuses to run as root, so as root everything runs as `postgres`.
 */
export async function startDebianPostgres(opts: { port?: number; dataDir?: string } = {}): Promise<LocalPostgres> {
  const bin = findDebianPostgresBin();
  if (!bin) throw new Error("no Debian PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)");
  const ids = runAsIds();
  // The temp dir holds the Unix socket (short path) and, for a throwaway cluster, the data.
  const dir = mkdtempSync(join(tmpdir(), "local-pg-"));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const data = opts.dataDir ?? join(dir, "data");
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", HOME: dir };

  if (!existsSync(join(data, "PG_VERSION"))) {
    mkdirSync(data, { recursive: true });
    if (ids) chownSync(data, ids.uid, ids.gid);
    const init = spawnSync(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"], {
      env,
      encoding: "utf8",
      ...(ids ?? {}),
    });
    if (init.status !== 0) {
      removeDir();
      throw new Error(`initdb failed (exit ${init.status}): ${init.stderr || init.stdout}`);
    }
  }

  const port = opts.port ?? (await freePort());
  // max_connections: each concurrent request holds its own connection through the local relay,
  // where Neon's pooled endpoint would share them; 100 (the default) runs out under 100 parallel installs.
  const args = ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"];
  // A throwaway cluster needs no durability; a kept one must survive a crash of this machine.
  if (!opts.dataDir) args.push("-c", "fsync=off");
  const server = spawnServer(join(bin, "postgres"), args, { env, ...(ids ?? {}) });
  const close = async (): Promise<void> => {
    // SIGINT is Postgres' "fast" shutdown: it does not wait for clients to leave.
    await server.stop("SIGINT");
    removeDir();
  };

  const connectionString = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 15_000;
  while (!(await servesDataDir(connectionString, data))) {
    if (server.hasExited() || Date.now() > deadline) {
      await close();
      throw new Error(`postgres did not become ready on port ${port}:\n${server.log()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, connectionString, pid: server.pid, close };
}

export function runAsIds(): { uid: number; gid: number } | null {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return null;
  const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
  const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0) {
    throw new Error("running as root but there is no `postgres` user to run initdb as");
  }
  return { uid, gid };
}

/** True once a server on that address answers *and* it is ours (same data dir). */
async function servesDataDir(connectionString: string, dataDir: string): Promise<boolean> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ dir: string }>("select current_setting('data_directory') as dir");
    return rows[0]?.dir === dataDir;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
