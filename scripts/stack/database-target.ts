import { startEmbeddedPostgres } from "./embedded-postgres";
import { liveDevState } from "./dev-state";
import { applyMigrations } from "./migrate";
import { PGLITE_DATA_DIR } from "./paths";

/**
 * Runs `work` against the database a developer means (design.md §18): DATABASE_URL when set, else
 * the running `npm run dev` stack, else the embedded database opened just for this command (PGlite
 * is single-process, so it must not be opened while dev holds it).
 */
export async function withDatabase<T>(work: (databaseUrl: string, source: string) => Promise<T>): Promise<T> {
  if (process.env.DATABASE_URL) return work(process.env.DATABASE_URL, "DATABASE_URL");
  const dev = liveDevState();
  if (dev?.bindings.DATABASE_URL) return work(dev.bindings.DATABASE_URL, "the running npm run dev stack");
  const embedded = await startEmbeddedPostgres({ dataDir: PGLITE_DATA_DIR });
  try {
    await applyMigrations(embedded.url);
    return await work(embedded.url, `the embedded database in ${PGLITE_DATA_DIR}`);
  } finally {
    await embedded.close();
  }
}
