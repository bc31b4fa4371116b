import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const MIGRATIONS_DIR = join(PROJECT_ROOT, "drizzle");
/** Local data (git-ignored): the embedded database and the dev key pair. */
export const DATA_DIR = join(PROJECT_ROOT, ".data");
export const PGLITE_DATA_DIR = join(DATA_DIR, "pglite");
/** Git-ignored runtime state of a running `npm run dev` (pids, ports, URLs). */
export const STATE_FILE = join(PROJECT_ROOT, ".state", "dev.json");
export const WRANGLER_STATE_DIR = join(PROJECT_ROOT, ".wrangler", "state");
/** The private Debian PostgreSQL cluster `npm run dev` prefers to PGlite (issue 10 item 9). */
export const POSTGRES_DATA_DIR = join(DATA_DIR, "postgres");
