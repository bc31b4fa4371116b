-- Plugin names become unique on a look-alike skeleton (issue 26 item 2), as marketplace item names
-- did in 0003. The skeleton needs TypeScript (src/domain/names.ts), so this migration writes a
-- placeholder that is unique per row (chr(1) cannot occur in a real skeleton: names refuse control
-- characters) and the backfill 0007-normalize-plugin-names (src/db/backfills) replaces it, with the
-- cleaned name and tags, right after the SQL migrations.
ALTER TABLE "marketplace_plugins" ADD COLUMN "name_skeleton" text;--> statement-breakpoint
UPDATE "marketplace_plugins" SET "name_skeleton" = chr(1) || "id"::text;--> statement-breakpoint
ALTER TABLE "marketplace_plugins" ALTER COLUMN "name_skeleton" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "marketplace_plugins_name_skeleton_key" ON "marketplace_plugins" USING btree ("name_skeleton");
