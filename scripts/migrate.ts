// `npm run db:migrate`: applies drizzle/ to DATABASE_URL (e.g. Neon before `wrangler deploy`),
// or to the local database when DATABASE_URL is not set.
import { withDatabase } from "./stack/database-target";
import { applyMigrations } from "./stack/migrate";

await withDatabase(async (databaseUrl, source) => {
  await applyMigrations(databaseUrl);
  console.log(`migrations applied to ${source}`);
}).catch((error: unknown) => {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
