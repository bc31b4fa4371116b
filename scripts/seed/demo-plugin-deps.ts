import { sql } from "drizzle-orm";
import * as schema from "../../src/db/schema";
import { signDevToken, withDrizzle } from "../stack/dev-auth";

/** What loadDemoPlugins needs from the local stack: the database and the dev signing key. */
export function demoPluginDeps(databaseUrl: string) {
  return {
    anyPlugin: () =>
      withDrizzle(databaseUrl, async (db) => {
        const rows = await db.execute<{ present: boolean }>(sql`select exists (select 1 from marketplace_plugins) as present`);
        return Boolean(rows.rows[0]?.present);
      }),
    ensureAdmin: (user: { clerkUserId: string; name: string }) =>
      withDrizzle(databaseUrl, async (db) => {
        await db
          .insert(schema.users)
          .values({ clerkUserId: user.clerkUserId, name: user.name, systemRole: "admin" })
          .onConflictDoUpdate({ target: schema.users.clerkUserId, set: { systemRole: "admin" } });
      }),
    token: (sub: string) => signDevToken({ sub }),
  };
}
