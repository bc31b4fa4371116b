// `npm run db:seed`: loads the demo catalog into the local database (or DATABASE_URL) unless it
// already holds marketplace items.
import { seedIfEmpty } from "./seed/run";
import { withDatabase } from "./stack/database-target";
import { applyMigrations } from "./stack/migrate";

await withDatabase(async (databaseUrl, source) => {
  await applyMigrations(databaseUrl);
  const seeded = await seedIfEmpty(databaseUrl);
  console.log(
    seeded ? `seeded ${seeded.items} demo items into ${source}` : `${source} already has a catalog; nothing seeded`,
  );
}).catch((error: unknown) => {
  console.error(`seeding failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
