// `npm run db:seed [-- --items N]`: loads the demo catalog into an empty local database (or
// DATABASE_URL); with --items, also N generated items for benchmarks.
import { parseArgs } from "node:util";
import { seedIfEmpty } from "./seed/run";
import { seedSyntheticCatalog } from "./seed/synthetic";
import { withDatabase } from "./stack/database-target";
import { applyMigrations } from "./stack/migrate";

const { values } = parseArgs({ options: { items: { type: "string" } } });
const items = values.items === undefined ? 0 : Number(values.items);
if (!Number.isInteger(items) || items < 0 || items > 5_000_000) {
  console.error("usage: npm run db:seed [-- --items <0..5000000>]");
  process.exit(2);
}

await withDatabase(async (databaseUrl, source) => {
  await applyMigrations(databaseUrl);
  const seeded = await seedIfEmpty(databaseUrl);
  console.log(seeded ? `seeded ${seeded.items} demo items into ${source}` : `${source} already has the demo catalog`);
  if (items > 0) {
    const started = Date.now();
    const result = await seedSyntheticCatalog(databaseUrl, items);
    console.log(`added ${result.inserted} generated items in ${((Date.now() - started) / 1000).toFixed(1)} s; the catalog now has ${result.total}`);
  }
}).catch((error: unknown) => {
  console.error(`seeding failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
