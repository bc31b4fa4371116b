import { defineConfig } from "drizzle-kit";

// `npm run db:generate` only diffs the schema against drizzle/meta; it needs no database.
// Migrations are applied by `npm run db:migrate` (scripts/migrate.ts), not by drizzle-kit.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema/index.ts",
  out: "./drizzle",
  casing: "snake_case",
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres" },
});
