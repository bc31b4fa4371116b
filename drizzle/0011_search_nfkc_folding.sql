-- Issue 30 item 1 (npm/www#389; NuGet/NuGetGallery#3186): one folding for the search index and the
-- query. search_fold is NFKC then lower case, the SQL twin of src/domain/search-query.ts
-- foldSearchText; the query's name comparisons call it too (src/db/queries/search.ts). IMMUTABLE (so
-- a generated column and expression indexes may use it) and a plain SQL body, which the planner
-- inlines, so index expressions and query expressions match after inlining. normalize() needs a
-- UTF8 database, which initdb -E UTF8, Neon and PGlite all are.
CREATE OR REPLACE FUNCTION "search_fold"(text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT lower(normalize($1, NFKC)) $$;--> statement-breakpoint
DROP INDEX IF EXISTS "items_name_trgm_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "items_marketplace_name_prefix_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "marketplace_plugins_name_trgm_idx";--> statement-breakpoint
-- The generated tsvector is recomputed for every existing row (names, descriptions and tags folded):
-- dropping and adding the column rewrites the table once; its GIN index goes with the old column
-- and is built again below.
ALTER TABLE "items" DROP COLUMN IF EXISTS "search";--> statement-breakpoint
ALTER TABLE "items" ADD COLUMN "search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('simple'::regconfig, search_fold("items"."name")), 'A') || setweight(to_tsvector('english'::regconfig, search_fold("items"."description")), 'B') || setweight(to_tsvector('simple'::regconfig, search_fold(("items"."tags")::text)), 'C')) STORED;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "items_search_idx" ON "items" USING gin ("search");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "items_name_trgm_idx" ON "items" USING gin (search_fold("name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "items_marketplace_name_prefix_idx" ON "items" USING btree (search_fold("name") text_pattern_ops) WHERE "items"."owner_type" = 'marketplace';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "marketplace_plugins_name_trgm_idx" ON "marketplace_plugins" USING gin (search_fold("name") gin_trgm_ops);--> statement-breakpoint
-- The lexicon (migration 0005) gains the folded lexemes of existing rows; new writes add theirs
-- through the trigger, which reads the new column.
INSERT INTO "search_lexemes" ("lexeme")
  SELECT DISTINCT l FROM "items", unnest(tsvector_to_array("items"."search")) AS l
  WHERE "items"."owner_type" = 'marketplace' AND NOT EXISTS (SELECT 1 FROM "search_lexemes" s WHERE s."lexeme" = l);
