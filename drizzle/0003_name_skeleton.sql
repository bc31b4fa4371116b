-- Marketplace names become unique on a look-alike skeleton (issue 9 item 3). The skeleton needs
-- TypeScript (src/domain/names.ts), so this migration writes a placeholder that is unique per row
-- (chr(1) cannot occur in a real skeleton: names refuse control characters) and the backfill
-- 0003-normalize-names-and-tags (src/db/backfills) replaces it right after the SQL migrations.
ALTER TABLE "items" ADD COLUMN "name_skeleton" text;--> statement-breakpoint
UPDATE "items" SET "name_skeleton" = chr(1) || "id"::text;--> statement-breakpoint
ALTER TABLE "items" ALTER COLUMN "name_skeleton" SET NOT NULL;--> statement-breakpoint
DROP INDEX "items_marketplace_name_key";--> statement-breakpoint
CREATE UNIQUE INDEX "items_marketplace_name_key" ON "items" USING btree ("type","name_skeleton") WHERE "items"."owner_type" = 'marketplace' or "items"."removed_at" is not null;
