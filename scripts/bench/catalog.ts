import { and, eq, sql } from "drizzle-orm";
import * as schema from "../../src/db/schema";
import { CATALOG_GENERATION_KEY, CATALOG_GENERATION_TTL_SECONDS } from "../../src/services/catalog-cache";
import { displayPrefix, generateApiKey, hashApiKey } from "../../src/services/auth/api-key-format";
import { DEMO_WORKSPACE } from "../seed/demo-catalog";
import { seedIfEmpty } from "../seed/run";
import { seedSyntheticCatalog } from "../seed/synthetic";
import { withDrizzle } from "../stack/dev-auth";
import type { StackBindings } from "../stack/stack";

/** design.md §14: the benchmark fails on any 429, so its key's limit is far above any load we make. */
const BENCH_RATE_LIMIT_PER_MINUTE = 100_000_000;

/** The synthetic item the detail endpoint reads; number 500 exists at both sizes (an agent). */
const DETAIL_ITEM_NUMBER = 500;

export const BENCH_CATEGORY_SLUG = "devops";
/** Two of the synthetic vocabulary's words: about 1 item in 400 has both. */
export const BENCH_SEARCH_TERM = "Ledger Insight";

export async function marketplaceItemCount(databaseUrl: string): Promise<number> {
  return withDrizzle(databaseUrl, async (db) => {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(schema.items)
      .where(sql`${schema.items.ownerType} = 'marketplace'`);
    return Number(row!.n);
  });
}

/** Demo catalog first (categories, tools, publisher), then synthetic items up to `target` in total. */
export async function seedCatalogTo(databaseUrl: string, target: number, log: (line: string) => void): Promise<number> {
  const demo = await seedIfEmpty(databaseUrl);
  if (demo) log(`seeded the demo catalog (${demo.items} items)`);
  const current = await marketplaceItemCount(databaseUrl);
  if (current >= target) return current;
  const started = Date.now();
  const { total } = await seedSyntheticCatalog(databaseUrl, target - current);
  await vacuumCatalog(databaseUrl);
  log(`seeded ${target - current} synthetic items (${total} marketplace items in total) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return total;
}

/**
 * The synthetic seed inserts every row and then updates it (latest_version_id), leaving as many dead
 * tuples as live ones and no visibility map. Left alone, autovacuum runs at some point during the
 * measurements and index-only scans need heap fetches until it has; vacuuming now measures the
 * steady state, at both sizes alike.
 */
async function vacuumCatalog(databaseUrl: string): Promise<void> {
  await withDrizzle(databaseUrl, async (db) => {
    await db.execute(sql`vacuum (analyze) items, item_versions, search_lexemes`);
  });
}

/**
 * A catalog:read key for the demo workspace, inserted directly (no route mints keys with a custom
 * limit). Returns the plaintext and a revoke function, so a BENCH_DATABASE_URL is left without a live key.
 */
export async function createBenchKey(databaseUrl: string): Promise<{ key: string; revoke(): Promise<void> }> {
  const key = generateApiKey();
  const id = await withDrizzle(databaseUrl, async (db) => {
    const [workspace] = await db.select({ id: schema.workspaces.id }).from(schema.workspaces).where(eq(schema.workspaces.slug, DEMO_WORKSPACE.slug));
    if (!workspace) throw new Error(`the demo workspace "${DEMO_WORKSPACE.slug}" is missing; the demo seed did not run`);
    const [row] = await db
      .insert(schema.apiKeys)
      .values({
        workspaceId: workspace.id,
        name: `bench-${new Date().toISOString()}`,
        prefix: displayPrefix(key),
        keyHash: await hashApiKey(key),
        scopes: ["catalog:read"],
        rateLimitPerMinute: BENCH_RATE_LIMIT_PER_MINUTE,
      })
      .returning({ id: schema.apiKeys.id });
    return row!.id;
  });
  const revoke = () =>
    withDrizzle(databaseUrl, async (db) => {
      await db.update(schema.apiKeys).set({ revokedAt: sql`now()` }).where(eq(schema.apiKeys.id, id));
    });
  return { key, revoke };
}

/** The fixed synthetic item the detail endpoint reads (the same row at both sizes). */
export async function benchDetailItemId(databaseUrl: string): Promise<string> {
  return withDrizzle(databaseUrl, async (db) => {
    const [row] = await db
      .select({ id: schema.items.id })
      .from(schema.items)
      .where(and(sql`${schema.items.ownerType} = 'marketplace'`, sql`${schema.items.name} ~ ${`^Synthetic .* ${DETAIL_ITEM_NUMBER}$`}`))
      .limit(1);
    if (!row) throw new Error(`synthetic item number ${DETAIL_ITEM_NUMBER} is missing; seed at least 1,000 items`);
    return row.id;
  });
}

/**
 * Seeding writes the database directly, so nothing bumps the catalog generation (only moderation
 * writes do): without this, the 100k cache-on run could be served 1k pages cached within the last 60 s.
 * The same write as `invalidateCatalog`: a fresh random token with the generation's TTL.
 */
export async function bumpCatalogGeneration(bindings: StackBindings): Promise<void> {
  if (!bindings.UPSTASH_REDIS_REST_URL || !bindings.UPSTASH_REDIS_REST_TOKEN) return;
  const response = await fetch(bindings.UPSTASH_REDIS_REST_URL, {
    method: "POST",
    headers: { Authorization: `Bearer ${bindings.UPSTASH_REDIS_REST_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify(["SET", CATALOG_GENERATION_KEY, crypto.randomUUID(), "EX", String(CATALOG_GENERATION_TTL_SECONDS)]),
  });
  if (!response.ok) throw new Error(`could not bump the catalog generation: HTTP ${response.status} ${await response.text()}`);
}
