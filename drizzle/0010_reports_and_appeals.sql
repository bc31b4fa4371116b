CREATE TABLE "appeals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"action_id" uuid NOT NULL,
	"item_id" uuid NOT NULL,
	"version" text NOT NULL,
	"workspace_id" uuid NOT NULL,
	"message" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"answer_action_id" uuid,
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"answered_at" timestamp with time zone,
	CONSTRAINT "appeals_status_check" CHECK ("appeals"."status" in ('open', 'answered')),
	CONSTRAINT "appeals_answered_check" CHECK (("appeals"."status" = 'answered') = ("appeals"."answered_at" is not null)),
	CONSTRAINT "appeals_actor_check" CHECK (("appeals"."actor_type" in ('user', 'api_key') and "appeals"."actor_id" is not null) or ("appeals"."actor_type" = 'system' and "appeals"."actor_id" is null))
);
--> statement-breakpoint
CREATE TABLE "moderation_actions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"subject_type" text NOT NULL,
	"item_id" uuid,
	"plugin_id" uuid,
	"version" text,
	"action" text NOT NULL,
	"note" text NOT NULL,
	"from_status" text,
	"to_status" text,
	"publisher_workspace_id" uuid,
	"reports_resolved" integer DEFAULT 0 NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "moderation_actions_action_check" CHECK ("moderation_actions"."action" in ('dismiss', 'deprecate', 'yank', 'quarantine', 'release', 'revoke', 'remove')),
	CONSTRAINT "moderation_actions_subject_type_check" CHECK ("moderation_actions"."subject_type" in ('item', 'plugin')),
	CONSTRAINT "moderation_actions_subject_check" CHECK (("moderation_actions"."subject_type" = 'item' and "moderation_actions"."item_id" is not null and "moderation_actions"."plugin_id" is null) or ("moderation_actions"."subject_type" = 'plugin' and "moderation_actions"."plugin_id" is not null and "moderation_actions"."item_id" is null)),
	CONSTRAINT "moderation_actions_actor_check" CHECK (("moderation_actions"."actor_type" in ('user', 'api_key') and "moderation_actions"."actor_id" is not null) or ("moderation_actions"."actor_type" = 'system' and "moderation_actions"."actor_id" is null))
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"subject_type" text NOT NULL,
	"item_id" uuid,
	"plugin_id" uuid,
	"version" text,
	"listed_version" text,
	"reason" text NOT NULL,
	"details" text,
	"workspace_id" uuid NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	"reporter_user_id" uuid NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"action_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "reports_reason_check" CHECK ("reports"."reason" in ('malware', 'credential_theft', 'prompt_injection', 'impersonation', 'spam', 'broken', 'license', 'other')),
	CONSTRAINT "reports_status_check" CHECK ("reports"."status" in ('open', 'resolved')),
	CONSTRAINT "reports_resolved_check" CHECK (("reports"."status" = 'resolved') = ("reports"."resolved_at" is not null)),
	CONSTRAINT "reports_details_check" CHECK ("reports"."reason" <> 'other' or "reports"."details" is not null),
	CONSTRAINT "reports_subject_type_check" CHECK ("reports"."subject_type" in ('item', 'plugin')),
	CONSTRAINT "reports_subject_check" CHECK (("reports"."subject_type" = 'item' and "reports"."item_id" is not null and "reports"."plugin_id" is null) or ("reports"."subject_type" = 'plugin' and "reports"."plugin_id" is not null and "reports"."item_id" is null)),
	CONSTRAINT "reports_actor_check" CHECK (("reports"."actor_type" in ('user', 'api_key') and "reports"."actor_id" is not null) or ("reports"."actor_type" = 'system' and "reports"."actor_id" is null))
);
--> statement-breakpoint
ALTER TABLE "audit_log" DROP CONSTRAINT "audit_log_target_type_check";--> statement-breakpoint
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_action_id_moderation_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."moderation_actions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_answer_action_id_moderation_actions_id_fk" FOREIGN KEY ("answer_action_id") REFERENCES "public"."moderation_actions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "moderation_actions" ADD CONSTRAINT "moderation_actions_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "moderation_actions" ADD CONSTRAINT "moderation_actions_plugin_id_marketplace_plugins_id_fk" FOREIGN KEY ("plugin_id") REFERENCES "public"."marketplace_plugins"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "moderation_actions" ADD CONSTRAINT "moderation_actions_publisher_workspace_id_workspaces_id_fk" FOREIGN KEY ("publisher_workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_plugin_id_marketplace_plugins_id_fk" FOREIGN KEY ("plugin_id") REFERENCES "public"."marketplace_plugins"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_action_id_moderation_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."moderation_actions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "appeals_action_key" ON "appeals" USING btree ("action_id");--> statement-breakpoint
CREATE INDEX "appeals_open_idx" ON "appeals" USING btree ("created_at") WHERE "appeals"."status" = 'open';--> statement-breakpoint
CREATE INDEX "appeals_item_idx" ON "appeals" USING btree ("item_id","version");--> statement-breakpoint
CREATE INDEX "moderation_actions_item_idx" ON "moderation_actions" USING btree ("item_id","created_at");--> statement-breakpoint
CREATE INDEX "moderation_actions_plugin_idx" ON "moderation_actions" USING btree ("plugin_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "reports_open_workspace_key" ON "reports" USING btree ("workspace_id",coalesce("item_id", "plugin_id"),coalesce("version", '')) WHERE "reports"."status" = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "reports_open_reporter_key" ON "reports" USING btree ("reporter_user_id",coalesce("item_id", "plugin_id"),coalesce("version", '')) WHERE "reports"."status" = 'open';--> statement-breakpoint
CREATE INDEX "reports_open_idx" ON "reports" USING btree ("created_at") WHERE "reports"."status" = 'open';--> statement-breakpoint
CREATE INDEX "reports_workspace_idx" ON "reports" USING btree ("workspace_id","created_at");--> statement-breakpoint
CREATE INDEX "reports_item_idx" ON "reports" USING btree ("item_id");--> statement-breakpoint
CREATE INDEX "reports_plugin_idx" ON "reports" USING btree ("plugin_id");--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_target_type_check" CHECK ("audit_log"."target_type" in ('item', 'item_version', 'plugin', 'plugin_version', 'user', 'workspace', 'api_key', 'report', 'appeal'));