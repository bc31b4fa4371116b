import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The first executable `name` on PATH, else in `extra` (absolute paths), else null. */
export function findExecutable(name: string, extra: readonly string[] = []): string | null {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const candidate of [...dirs.map((d) => join(d, name)), ...extra]) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

/**
 * Installs a Debian package with apt-get when we are allowed to (root with apt-get), so a fresh
 * machine's `npm run dev` and `npm test` get the local servers they need; otherwise says exactly
 * what the developer has to run. `find` tells whether the package's binary is there. Synchronous
 * because callers cannot do anything useful until it is settled.
 */
export function aptInstall(pkg: string, find: () => string | null): { ok: boolean; message: string } {
  const command = `sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkg}`;
  if (find()) return { ok: true, message: `${pkg} is already installed` };
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !findExecutable("apt-get")) return { ok: false, message: `${pkg} is not installed; run: ${command}` };
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", pkg]]) {
    const run = spawnSync("apt-get", args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    if (run.status !== 0) {
      const tail = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n").slice(-5).join("\n");
      return { ok: false, message: `apt-get ${args.join(" ")} failed (exit ${run.status}):\n${tail}` };
    }
  }
  const bin = find();
  return bin ? { ok: true, message: `installed ${bin} with apt-get` } : { ok: false, message: `apt-get finished but ${pkg} is still missing; run: ${command}` };
}
