CREATE TABLE "catalog_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "catalog_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"type" text NOT NULL,
	"audience" text NOT NULL,
	"item_id" uuid,
	"plugin_id" uuid,
	"workspace_id" uuid,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "catalog_events_type_check" CHECK ("catalog_events"."type" in ('item.approved', 'item.listed_version_changed', 'item.removed', 'item.featured', 'item.unfeatured', 'plugin.approved', 'plugin.listed_version_changed', 'plugin.deactivated', 'plugin.reactivated', 'plugin.deleted', 'version.deprecated', 'version.yanked', 'version.activated', 'version.quarantined', 'version.released', 'version.revoked', 'submission.rejected', 'moderation.action', 'install.created', 'install.removed', 'update.applied', 'update.failed', 'update.rolled_back', 'plugin.enabled', 'plugin.disabled', 'plugin.pin_updated', 'report.resolved', 'webhook.disabled', 'report.filed', 'appeal.filed')),
	CONSTRAINT "catalog_events_audience_check" CHECK ("catalog_events"."audience" in ('public', 'workspace', 'admin')),
	CONSTRAINT "catalog_events_workspace_check" CHECK (("catalog_events"."audience" = 'workspace') = ("catalog_events"."workspace_id" is not null)),
	CONSTRAINT "catalog_events_data_check" CHECK (jsonb_typeof("catalog_events"."data") = 'object')
);
--> statement-breakpoint
CREATE TABLE "catalog_state" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"takedown_generation" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "catalog_state_singleton_check" CHECK ("catalog_state"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "workspace_generations" (
	"workspace_id" uuid PRIMARY KEY NOT NULL,
	"generation" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "item_versions" DROP CONSTRAINT "item_versions_lifecycle_check";--> statement-breakpoint
ALTER TABLE "plugin_versions" DROP CONSTRAINT "plugin_versions_lifecycle_check";--> statement-breakpoint
-- Hand-written: design.md §33 renames lifecycle to status (drizzle-kit offers drop + add, which
-- would lose what is stored).
ALTER TABLE "item_versions" RENAME COLUMN "lifecycle" TO "status";--> statement-breakpoint
ALTER TABLE "item_versions" RENAME COLUMN "lifecycle_message" TO "status_message";--> statement-breakpoint
ALTER TABLE "plugin_versions" RENAME COLUMN "lifecycle" TO "status";--> statement-breakpoint
ALTER TABLE "item_versions" ADD COLUMN "status_previous" text;--> statement-breakpoint
ALTER TABLE "item_versions" ADD COLUMN "status_changed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "item_versions" ADD COLUMN "status_actor_type" text;--> statement-breakpoint
ALTER TABLE "item_versions" ADD COLUMN "status_actor_id" uuid;--> statement-breakpoint
ALTER TABLE "item_versions" ADD COLUMN "replacement_item_id" uuid;--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD COLUMN "status_message" text;--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD COLUMN "status_previous" text;--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD COLUMN "status_changed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD COLUMN "status_actor_type" text;--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD COLUMN "status_actor_id" uuid;--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD COLUMN "replacement_item_id" uuid;--> statement-breakpoint
ALTER TABLE "workspace_generations" ADD CONSTRAINT "workspace_generations_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "catalog_events_workspace_idx" ON "catalog_events" USING btree ("workspace_id","id");--> statement-breakpoint
ALTER TABLE "item_versions" ADD CONSTRAINT "item_versions_replacement_fkey" FOREIGN KEY ("replacement_item_id") REFERENCES "public"."items"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD CONSTRAINT "plugin_versions_replacement_fkey" FOREIGN KEY ("replacement_item_id") REFERENCES "public"."items"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_versions" ADD CONSTRAINT "item_versions_status_check" CHECK ("item_versions"."status" in ('active', 'deprecated', 'yanked', 'quarantined', 'revoked'));--> statement-breakpoint
ALTER TABLE "item_versions" ADD CONSTRAINT "item_versions_status_previous_check" CHECK ("item_versions"."status_previous" is null or "item_versions"."status_previous" in ('active', 'deprecated', 'yanked'));--> statement-breakpoint
ALTER TABLE "item_versions" ADD CONSTRAINT "item_versions_status_actor_check" CHECK ("item_versions"."status_actor_type" is null or ("item_versions"."status_actor_type" in ('user', 'api_key') and "item_versions"."status_actor_id" is not null) or ("item_versions"."status_actor_type" = 'system' and "item_versions"."status_actor_id" is null));--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD CONSTRAINT "plugin_versions_status_check" CHECK ("plugin_versions"."status" in ('active', 'deprecated', 'yanked', 'quarantined', 'revoked'));--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD CONSTRAINT "plugin_versions_status_previous_check" CHECK ("plugin_versions"."status_previous" is null or "plugin_versions"."status_previous" in ('active', 'deprecated', 'yanked'));--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD CONSTRAINT "plugin_versions_status_actor_check" CHECK ("plugin_versions"."status_actor_type" is null or ("plugin_versions"."status_actor_type" in ('user', 'api_key') and "plugin_versions"."status_actor_id" is not null) or ("plugin_versions"."status_actor_type" = 'system' and "plugin_versions"."status_actor_id" is null));--> statement-breakpoint
-- Hand-written: the one row of catalog_state (design.md §29).
INSERT INTO "catalog_state" ("id", "takedown_generation") VALUES (1, 0);
