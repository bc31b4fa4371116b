import { existsSync } from "node:fs";
import { join } from "node:path";
import { findDebianPostgresBin, installDebianPostgres, startDebianPostgres } from "../local/debian-postgres";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { PGLITE_DATA_DIR, POSTGRES_DATA_DIR } from "./paths";

export interface LocalDatabase {
  kind: "postgres" | "pglite";
  url: string;
  /** Where the data is kept. */
  dataDir: string;
  /** Process groups this spawned (the postgres server), for cleaning up after a crash. */
  processGroups: number[];
  /** Why PGlite was used instead of PostgreSQL, when it was. */
  note?: string;
  close(): Promise<void>;
}

/**
 * The developer's local database, kept under `.data/` (issue 10 item 9): a private Debian
 * PostgreSQL cluster when the machine has PostgreSQL (or, with `install`, can get it with apt as
 * root), because it behaves under concurrency exactly as production does; PGlite otherwise.
 * `LOCAL_DATABASE=pglite` forces PGlite.
 */
export async function startLocalDatabase(opts: {
  install: boolean;
  /** Skip PostgreSQL (a tool opening the data of a dev that has only ever used PGlite). */
  pgliteOnly?: boolean;
  /** Data folders (tests use their own, never the developer's .data). */
  dirs?: { postgres: string; pglite: string };
  log?: (line: string) => void;
}): Promise<LocalDatabase> {
  const log = opts.log ?? (() => {});
  const dirs = opts.dirs ?? { postgres: POSTGRES_DATA_DIR, pglite: PGLITE_DATA_DIR };
  let note: string | undefined;
  if (opts.pgliteOnly || process.env.LOCAL_DATABASE === "pglite") {
    note = opts.pgliteOnly ? "no PostgreSQL cluster under .data/" : "LOCAL_DATABASE=pglite";
  } else {
    let bin = findDebianPostgresBin();
    if (!bin && opts.install) {
      log("database: PostgreSQL is missing; trying apt-get install postgresql ...");
      const installed = installDebianPostgres();
      if (!installed.ok) note = installed.message;
      bin = findDebianPostgresBin();
    } else if (!bin) {
      note = "PostgreSQL is not installed (apt-get install -y postgresql)";
    }
    if (bin) {
      try {
        const cluster = await startDebianPostgres({ dataDir: dirs.postgres });
        return {
          kind: "postgres",
          url: cluster.connectionString,
          dataDir: dirs.postgres,
          processGroups: [cluster.pid],
          close: () => cluster.close(),
        };
      } catch (error) {
        note = `PostgreSQL did not start: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
      }
    }
  }
  const embedded = await startEmbeddedPostgres({ dataDir: dirs.pglite });
  return { kind: "pglite", url: embedded.url, dataDir: dirs.pglite, processGroups: [], note, close: () => embedded.close() };
}

/** True when `npm run dev` has already created its PostgreSQL cluster (so tools open that one). */
export function hasLocalPostgresCluster(): boolean {
  return existsSync(join(POSTGRES_DATA_DIR, "PG_VERSION")) && findDebianPostgresBin() !== null;
}
