import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { freePort } from "../local/free-port";
import { PROJECT_ROOT } from "./paths";
import { startSessionServer } from "./pglite-session-server";

export interface EmbeddedPostgres {
  port: number;
  url: string;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const PGLITE_VERSION: string = JSON.parse(
  readFileSync(join(dirname(require.resolve("@electric-sql/pglite")), "..", "package.json"), "utf8"),
).version;

// initdb dominates PGlite start-up (4-6 s); a fresh cluster dumped once and loaded per start takes
// ~1 s, in memory and into a new data directory alike.
const TEMPLATE = join(PROJECT_ROOT, "node_modules", ".cache", `pglite-initdb-${PGLITE_VERSION}.tar.gz`);

/** Opens PGlite (in `dataDir`, else in memory) on a fresh cluster, from the template when there is one. */
async function openFresh(dataDir?: string): Promise<PGlite> {
  if (existsSync(TEMPLATE)) {
    const loadDataDir = new Blob([readFileSync(TEMPLATE)]);
    return PGlite.create({ dataDir, loadDataDir, extensions: { pg_trgm } });
  }
  const db = await PGlite.create({ dataDir, extensions: { pg_trgm } });
  const dump = await db.dumpDataDir("gzip");
  mkdirSync(dirname(TEMPLATE), { recursive: true });
  // Write-then-rename so a concurrent run never loads a half-written template.
  const partial = `${TEMPLATE}.${process.pid}.partial`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, TEMPLATE);
  return db;
}

/**
 * A real PostgreSQL (PGlite, in WASM) served on a loopback TCP port. With `dataDir` the data is
 * kept on disk across restarts (npm run dev); without it the database lives in memory (tests).
 */
export async function startEmbeddedPostgres(
  opts: { dataDir?: string; port?: number; /** see pglite-session-server.ts */ idleHoldMs?: number } = {},
): Promise<EmbeddedPostgres> {
  let db: PGlite;
  if (opts.dataDir && existsSync(join(opts.dataDir, "PG_VERSION"))) {
    db = await PGlite.create({ dataDir: opts.dataDir, extensions: { pg_trgm } });
  } else {
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
    db = await openFresh(opts.dataDir);
  }
  // PGlite is one session: the server hands it to one connection's unit of work at a time.
  const server = await startSessionServer(db, {
    host: "127.0.0.1",
    port: opts.port ?? (await freePort()),
    idleHoldMs: opts.idleHoldMs,
  });
  const port = server.port;
  return {
    port,
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async close() {
      await server.close().catch(() => {});
      await db.close().catch(() => {});
    },
  };
}
