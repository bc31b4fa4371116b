import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
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

/**
 * Bundles the worker exactly as `wrangler deploy` would ship it (no upload), once per content of
 * its inputs: the result is kept under node_modules/.cache/worker-bundle/<hash>/ and reused by the
 * next caller (the CI budget check, the bench, and every test that serves the bundle on
 * Miniflare), about 3.5 s each on this machine. Concurrent callers may both build; each writes to
 * a directory of its own and the first rename wins. Throws if wrangler fails.
 */
export function bundleWorker(): WorkerBundle {
  const dir = join(CACHE_DIR, inputsHash());
  const bundle = { script: join(dir, "index.js"), metafile: join(dir, "bundle-meta.json") };
  if (existsSync(bundle.script) && existsSync(bundle.metafile)) return bundle;
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = mkdtempSync(join(CACHE_DIR, "partial-"));
  try {
    execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", partial, "--metafile"], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
    });
    try {
      renameSync(partial, dir);
    } catch (error) {
      // Another caller finished first with the same inputs: its bundle is the same.
      if (!existsSync(bundle.script)) throw error;
    }
    // Bundles of earlier sources are not needed again.
    for (const entry of readdirSync(CACHE_DIR)) {
      if (join(CACHE_DIR, entry) !== dir && !entry.startsWith("partial-")) rmSync(join(CACHE_DIR, entry), { recursive: true, force: true });
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return bundle;
}
