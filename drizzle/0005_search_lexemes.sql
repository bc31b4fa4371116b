CREATE TABLE "search_lexemes" (
	"lexeme" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "search_lexemes_prefix_idx" ON "search_lexemes" USING btree ("lexeme" text_pattern_ops);--> statement-breakpoint
-- Every marketplace row's lexemes, written in the transaction that writes the row (schema:
-- searchLexemes). AFTER, because a generated column (search) is not yet computed in a BEFORE
-- trigger. Lexemes already present are skipped without a lock; a concurrent writer adding the same
-- new lexeme at the same moment leaves a harmless duplicate.
CREATE FUNCTION "record_search_lexemes"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "search_lexemes" ("lexeme")
  SELECT l FROM unnest(tsvector_to_array(NEW."search")) AS l
  WHERE NOT EXISTS (SELECT 1 FROM "search_lexemes" s WHERE s."lexeme" = l);
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "items_search_lexemes" AFTER INSERT OR UPDATE OF "owner_type", "name", "description", "tags" ON "items"
  FOR EACH ROW WHEN (NEW."owner_type" = 'marketplace') EXECUTE FUNCTION "record_search_lexemes"();--> statement-breakpoint
INSERT INTO "search_lexemes" ("lexeme")
  SELECT DISTINCT unnest(tsvector_to_array("search")) FROM "items" WHERE "owner_type" = 'marketplace';
