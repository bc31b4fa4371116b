CREATE TABLE "job_state" (
	"name" text PRIMARY KEY NOT NULL,
	"cursor" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"lease_until" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "plugin_security_scans" ADD COLUMN "engine_version" text DEFAULT '2026.1' NOT NULL;--> statement-breakpoint
ALTER TABLE "plugin_security_scans" ADD COLUMN "trigger" text DEFAULT 'upload' NOT NULL;--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD COLUMN "permissions" jsonb DEFAULT '{"environment":[],"files":"none","network":[],"shell":false,"tools":[]}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD COLUMN "permissions_hash" text DEFAULT '7a68e9b9222332000470345fcef0bc7fc55bfe60d50f5d29abfe6ee62a271b62' NOT NULL;--> statement-breakpoint
ALTER TABLE "workspace_enabled_plugins" ADD COLUMN "accepted_permissions" jsonb DEFAULT '{"environment":[],"files":"none","network":[],"shell":false,"tools":[]}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "workspace_enabled_plugins" ADD COLUMN "accepted_permissions_hash" text DEFAULT '7a68e9b9222332000470345fcef0bc7fc55bfe60d50f5d29abfe6ee62a271b62' NOT NULL;--> statement-breakpoint
ALTER TABLE "plugin_security_scans" ADD CONSTRAINT "plugin_security_scans_trigger_check" CHECK ("plugin_security_scans"."trigger" in ('upload', 'rescan', 'manual'));--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD CONSTRAINT "plugin_versions_permissions_hash_check" CHECK ("plugin_versions"."permissions_hash" ~ '^[0-9a-f]{64}$');