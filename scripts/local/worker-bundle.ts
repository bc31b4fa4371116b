import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../stack/paths";

/** What `wrangler deploy --dry-run` wrote: the script as it would ship, and esbuild's metafile. */
export interface WorkerBundle {
  /** The worker script's path (index.js). */
  script: string;
  /** esbuild's metafile (bundle-meta.json): which input modules the script holds. */
  metafile: string;
}

// Everything the bundle is made from: the worker's sources and the settings wrangler and esbuild
// read. Changing any of them gives another cache entry.
const INPUT_FILES = ["wrangler.toml", "package.json", "package-lock.json", "tsconfig.json"];
const INPUT_DIRS = ["src"];
const CACHE_DIR = join(PROJECT_ROOT, "node_modules", ".cache", "worker-bundle");
const LOCK = join(CACHE_DIR, "building.lock");
/** A lock older than this was left by a build that died; wrangler takes about 3.5 s here. */
const STALE_LOCK_MS = 120_000;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : entry.isFile() ? [path] : [];
  });
}

/** SHA-256 over the inputs' paths and contents (a few hundred KB: milliseconds). */
function inputsHash(): string {
  const hash = createHash("sha256");
  const files = [...INPUT_FILES.map((f) => join(PROJECT_ROOT, f)), ...INPUT_DIRS.flatMap((d) => filesUnder(join(PROJECT_ROOT, d)))].filter((f) => existsSync(f)).sort();
  for (const file of files) hash.update(relative(PROJECT_ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
  return hash.digest("hex").slice(0, 32);
}

/** Takes the build lock (an atomic mkdir), or says another process holds it. */
function tryLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    try {
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
    } catch {
      // released meanwhile
    }
    return false;
  }
}

async function build(dir: string): Promise<void> {
  const partial = mkdtempSync(join(CACHE_DIR, "partial-"));
  try {
    await promisify(execFile)("npx", ["wrangler", "deploy", "--dry-run", "--outdir", partial, "--metafile"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
      maxBuffer: 16 * 1024 * 1024,
    });
    renameSync(partial, dir);
    // Bundles of earlier sources are not needed again.
    for (const entry of readdirSync(CACHE_DIR)) {
      const path = join(CACHE_DIR, entry);
      if (path !== dir && path !== LOCK && !entry.startsWith("partial-")) rmSync(path, { recursive: true, force: true });
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/**
 * Bundles the worker exactly as `wrangler deploy` would ship it (no upload), once per content of
 * its inputs: the result is kept under node_modules/.cache/worker-bundle/<hash>/ and reused by the
 * next caller (the CI budget check, the bench, and every test that serves the bundle on
 * Miniflare), about 3.5 s of CPU each on this machine. One process builds at a time (a lock
 * directory); callers meanwhile wait for its result. Rejects if wrangler fails.
 */
export async function bundleWorker(): Promise<WorkerBundle> {
  const dir = join(CACHE_DIR, inputsHash());
  const bundle = { script: join(dir, "index.js"), metafile: join(dir, "bundle-meta.json") };
  mkdirSync(CACHE_DIR, { recursive: true });
  for (;;) {
    if (existsSync(bundle.metafile)) return bundle;
    if (tryLock()) {
      try {
        if (!existsSync(bundle.metafile)) await build(dir);
        return bundle;
      } finally {
        rmSync(LOCK, { recursive: true, force: true });
      }
    }
    await sleep(100);
  }
}
