import { neon } from "@neondatabase/serverless";
import { eq as where, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/neon-http";
import { integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { Checks, eq, ok } from "./selfcheck-harness.ts";

const notes = pgTable("drizzle_notes", {
  id: integer("id").primaryKey(),
  body: text("body").notNull(),
  meta: jsonb("meta").$type<{ tags: string[] }>(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** drizzle's neon-http goes through the same /sql endpoint with arrayMode + fullResults. */
export async function checkDrizzleHttp(checks: Checks, label: string, connectionString: string): Promise<void> {
  await checks.run(`drizzle-neon-http/${label}: insert, select, batch`, async () => {
    const db = drizzle({ client: neon(connectionString) });
    await db.execute(sql`drop table if exists drizzle_notes`);
    await db.execute(
      sql`create table drizzle_notes (id int primary key, body text not null, meta jsonb, created_at timestamptz not null default now())`,
    );
    const inserted = await db.insert(notes).values({ id: 1, body: "hello", meta: { tags: ["a"] } }).returning();
    eq(inserted.map((r) => [r.id, r.body, r.meta]), [[1, "hello", { tags: ["a"] }]], "insert returning");
    ok(inserted[0]?.createdAt instanceof Date, "timestamp column parsed to Date");
    const [updated, rows] = await db.batch([
      db.update(notes).set({ body: "bye" }).where(where(notes.id, 1)),
      db.select({ body: notes.body }).from(notes),
    ]);
    eq(updated.rowCount, 1, "update rowCount");
    eq(rows, [{ body: "bye" }], "select after update in the same batch");
  });
}
