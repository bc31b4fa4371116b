import { liveDevState } from "./dev-state";
import { hasLocalPostgresCluster, startLocalDatabase } from "./local-database";
import { applyMigrations } from "./migrate";

/**
 * Runs `work` against the database a developer means (design.md §18): DATABASE_URL when set, else
 * the running `npm run dev` stack, else the local database opened just for this command — the
 * PostgreSQL cluster dev created under .data/ when there is one, else PGlite (single-process, so
 * it must not be opened while dev holds it). Never installs anything.
 */
export async function withDatabase<T>(work: (databaseUrl: string, source: string) => Promise<T>): Promise<T> {
  if (process.env.DATABASE_URL) return work(process.env.DATABASE_URL, "DATABASE_URL");
  const dev = liveDevState();
  if (dev?.bindings.DATABASE_URL) return work(dev.bindings.DATABASE_URL, "the running npm run dev stack");
  const local = await startLocalDatabase({ install: false, pgliteOnly: !hasLocalPostgresCluster() });
  try {
    await applyMigrations(local.url);
    return await work(local.url, `the ${local.kind === "postgres" ? "PostgreSQL" : "embedded"} database in ${local.dataDir}`);
  } finally {
    await local.close();
  }
}
