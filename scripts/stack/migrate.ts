import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import type { Queryable } from "../../src/db/client";
import { BACKFILLS, type Backfill } from "../../src/db/backfills";
import * as schema from "../../src/db/schema";
import { MIGRATIONS_DIR } from "./paths";

/**
 * Applies the committed drizzle-kit migrations (drizzle/) in order, then the TypeScript backfills of
 * src/db/backfills that have not run on this database yet; already-applied steps are skipped.
 */
export async function applyMigrations(databaseUrl: string, backfills: Backfill[] = BACKFILLS): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const db = drizzle({ client, schema });
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    return await applyBackfills(db as unknown as Queryable, backfills);
  } finally {
    await client.end();
  }
}

/** Runs each pending backfill in its own transaction, recording it in the same transaction. */
async function applyBackfills(db: Queryable, backfills: Backfill[]): Promise<string[]> {
  await db.execute(sql`create table if not exists backfills_applied (
    id text primary key,
    applied_at timestamptz not null default now()
  )`);
  const applied: string[] = [];
  for (const backfill of backfills) {
    const ran = await db.transaction(async (tx) => {
      // The row lock makes two concurrent runners apply a backfill once: the second waits, then skips.
      const inserted = await tx.execute(sql`insert into backfills_applied (id) values (${backfill.id}) on conflict do nothing returning id`);
      if ((inserted as unknown as { rows: unknown[] }).rows.length === 0) return false;
      await backfill.run(tx as unknown as Queryable);
      return true;
    });
    if (ran) applied.push(backfill.id);
  }
  return applied;
}
