CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"rate_limit_per_minute" integer,
	"created_by_user_id" uuid,
	"created_by_api_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_hash_check" CHECK ("api_keys"."key_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "api_keys_rate_limit_check" CHECK ("api_keys"."rate_limit_per_minute" is null or "api_keys"."rate_limit_per_minute" > 0),
	CONSTRAINT "api_keys_name_check" CHECK (length("api_keys"."name") between 1 and 200)
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"clerk_user_id" text NOT NULL,
	"email" text,
	"name" text,
	"system_role" text DEFAULT 'user' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_system_role_check" CHECK ("users"."system_role" in ('user', 'admin', 'super_admin'))
);
--> statement-breakpoint
CREATE TABLE "workspace_members" (
	"workspace_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workspace_members_pkey" PRIMARY KEY("workspace_id","user_id"),
	CONSTRAINT "workspace_members_role_check" CHECK ("workspace_members"."role" in ('owner', 'admin', 'editor', 'viewer'))
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"created_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workspaces_slug_check" CHECK ("workspaces"."slug" ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
	CONSTRAINT "workspaces_name_check" CHECK (length("workspaces"."name") between 1 and 200)
);
--> statement-breakpoint
CREATE TABLE "agent_skills" (
	"agent_id" uuid NOT NULL,
	"agent_type" text DEFAULT 'agent' NOT NULL,
	"skill_id" uuid NOT NULL,
	"skill_type" text DEFAULT 'skill' NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_skills_pkey" PRIMARY KEY("agent_id","skill_id"),
	CONSTRAINT "agent_skills_agent_type_check" CHECK ("agent_skills"."agent_type" = 'agent'),
	CONSTRAINT "agent_skills_skill_type_check" CHECK ("agent_skills"."skill_type" = 'skill'),
	CONSTRAINT "agent_skills_priority_check" CHECK ("agent_skills"."priority" >= 0)
);
--> statement-breakpoint
CREATE TABLE "agent_tool_assignments" (
	"agent_id" uuid NOT NULL,
	"agent_type" text DEFAULT 'agent' NOT NULL,
	"tool_id" uuid NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_tool_assignments_pkey" PRIMARY KEY("agent_id","tool_id"),
	CONSTRAINT "agent_tool_assignments_agent_type_check" CHECK ("agent_tool_assignments"."agent_type" = 'agent'),
	CONSTRAINT "agent_tool_assignments_actor_check" CHECK (("agent_tool_assignments"."actor_type" in ('user', 'api_key') and "agent_tool_assignments"."actor_id" is not null) or ("agent_tool_assignments"."actor_type" = 'system' and "agent_tool_assignments"."actor_id" is null))
);
--> statement-breakpoint
CREATE TABLE "categories" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"icon" text,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "categories_id_name_key" UNIQUE("id","name"),
	CONSTRAINT "categories_slug_check" CHECK ("categories"."slug" ~ '^[a-z0-9][a-z0-9-]{0,62}$')
);
--> statement-breakpoint
CREATE TABLE "item_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"item_id" uuid NOT NULL,
	"version" text NOT NULL,
	"content" jsonb NOT NULL,
	"dependency_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"changelog" text,
	"content_sha256" text NOT NULL,
	"review_status" text DEFAULT 'pending' NOT NULL,
	"rejection_reason" text,
	"lifecycle" text DEFAULT 'active' NOT NULL,
	"lifecycle_message" text,
	"submitted_by_user_id" uuid,
	"reviewed_by_user_id" uuid,
	"reviewed_at" timestamp with time zone,
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "item_versions_version_check" CHECK ("item_versions"."version" ~ '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$'),
	CONSTRAINT "item_versions_sha_check" CHECK ("item_versions"."content_sha256" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "item_versions_review_status_check" CHECK ("item_versions"."review_status" in ('pending', 'approved', 'rejected')),
	CONSTRAINT "item_versions_rejection_check" CHECK (("item_versions"."review_status" = 'rejected') = ("item_versions"."rejection_reason" is not null)),
	CONSTRAINT "item_versions_lifecycle_check" CHECK ("item_versions"."lifecycle" in ('active', 'deprecated', 'yanked')),
	CONSTRAINT "item_versions_content_check" CHECK (jsonb_typeof("item_versions"."content") = 'object'),
	CONSTRAINT "item_versions_actor_check" CHECK (("item_versions"."actor_type" in ('user', 'api_key') and "item_versions"."actor_id" is not null) or ("item_versions"."actor_type" = 'system' and "item_versions"."actor_id" is null))
);
--> statement-breakpoint
CREATE TABLE "items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"owner_type" text DEFAULT 'workspace' NOT NULL,
	"owner_id" text,
	"workspace_id" uuid,
	"is_approved" boolean DEFAULT false NOT NULL,
	"is_featured" boolean DEFAULT false NOT NULL,
	"install_count" integer DEFAULT 0 NOT NULL,
	"cloned_from_id" uuid,
	"original_creator_id" uuid,
	"category_id" uuid,
	"marketplace_category" text,
	"marketplace_icon" text,
	"version" text DEFAULT '1.0.0' NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"persona_id" uuid,
	"tool_id" uuid,
	"publisher_workspace_id" uuid,
	"source_item_id" uuid,
	"source_plugin_version_id" uuid,
	"latest_version_id" uuid,
	"created_by_user_id" uuid,
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	"removed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('simple'::regconfig, "items"."name"), 'A') || setweight(to_tsvector('english'::regconfig, "items"."description"), 'B') || setweight(to_tsvector('simple'::regconfig, "items"."tags"), 'C')) STORED,
	CONSTRAINT "items_id_type_key" UNIQUE("id","type"),
	CONSTRAINT "items_category_pair_check" CHECK (("items"."category_id" is null) = ("items"."marketplace_category" is null)),
	CONSTRAINT "items_type_check" CHECK ("items"."type" in ('agent', 'recipe', 'skill', 'llm', 'tool')),
	CONSTRAINT "items_owner_type_check" CHECK ("items"."owner_type" in ('workspace', 'marketplace')),
	CONSTRAINT "items_owner_check" CHECK (("items"."owner_type" = 'workspace' and "items"."workspace_id" is not null and "items"."owner_id" = "items"."workspace_id"::text)
       or ("items"."owner_type" = 'marketplace' and "items"."workspace_id" is null and "items"."owner_id" is null)),
	CONSTRAINT "items_removed_check" CHECK ("items"."removed_at" is null or "items"."owner_type" = 'workspace'),
	CONSTRAINT "items_tool_owner_check" CHECK ("items"."type" <> 'tool' or "items"."owner_type" = 'marketplace' or "items"."removed_at" is not null),
	CONSTRAINT "items_tool_ref_check" CHECK (("items"."type" = 'tool') = ("items"."tool_id" is not null)),
	CONSTRAINT "items_persona_check" CHECK ("items"."persona_id" is null or "items"."type" = 'agent'),
	CONSTRAINT "items_install_count_check" CHECK ("items"."install_count" >= 0),
	CONSTRAINT "items_version_check" CHECK ("items"."version" ~ '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$'),
	CONSTRAINT "items_name_check" CHECK (length("items"."name") between 1 and 200),
	CONSTRAINT "items_tags_check" CHECK (jsonb_typeof("items"."tags") = 'array'),
	CONSTRAINT "items_details_check" CHECK (jsonb_typeof("items"."details") = 'object'),
	CONSTRAINT "items_actor_check" CHECK (("items"."actor_type" in ('user', 'api_key') and "items"."actor_id" is not null) or ("items"."actor_type" = 'system' and "items"."actor_id" is null))
);
--> statement-breakpoint
CREATE TABLE "personas" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"system_prompt" text NOT NULL,
	"suggested_temperature" text,
	"workspace_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recipe_recommended_agents" (
	"recipe_id" uuid NOT NULL,
	"recipe_type" text DEFAULT 'recipe' NOT NULL,
	"agent_id" uuid NOT NULL,
	"agent_type" text DEFAULT 'agent' NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "recipe_recommended_agents_pkey" PRIMARY KEY("recipe_id","agent_id"),
	CONSTRAINT "recipe_recommended_agents_recipe_type_check" CHECK ("recipe_recommended_agents"."recipe_type" = 'recipe'),
	CONSTRAINT "recipe_recommended_agents_agent_type_check" CHECK ("recipe_recommended_agents"."agent_type" = 'agent')
);
--> statement-breakpoint
CREATE TABLE "tool_catalog" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"app_name" text NOT NULL,
	"app_slug" text NOT NULL,
	"display_name" text NOT NULL,
	"description" text,
	"logo_url" text,
	"categories" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"auth_schemes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"action_count" integer DEFAULT 0 NOT NULL,
	"trigger_count" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tool_catalog_app_name_check" CHECK ("tool_catalog"."app_name" = upper("tool_catalog"."app_name")),
	CONSTRAINT "tool_catalog_app_slug_check" CHECK ("tool_catalog"."app_slug" = lower("tool_catalog"."app_slug")),
	CONSTRAINT "tool_catalog_status_check" CHECK ("tool_catalog"."status" in ('active', 'deprecated'))
);
--> statement-breakpoint
CREATE TABLE "agent_assigned_plugins" (
	"agent_id" uuid NOT NULL,
	"agent_type" text DEFAULT 'agent' NOT NULL,
	"plugin_id" uuid NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"assigned_at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	CONSTRAINT "agent_assigned_plugins_pkey" PRIMARY KEY("agent_id","plugin_id"),
	CONSTRAINT "agent_assigned_plugins_agent_type_check" CHECK ("agent_assigned_plugins"."agent_type" = 'agent'),
	CONSTRAINT "agent_assigned_plugins_priority_check" CHECK ("agent_assigned_plugins"."priority" >= 0),
	CONSTRAINT "agent_assigned_plugins_actor_check" CHECK (("agent_assigned_plugins"."actor_type" in ('user', 'api_key') and "agent_assigned_plugins"."actor_id" is not null) or ("agent_assigned_plugins"."actor_type" = 'system' and "agent_assigned_plugins"."actor_id" is null))
);
--> statement-breakpoint
CREATE TABLE "marketplace_plugins" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"long_description" text,
	"category_id" uuid,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"original_author" text,
	"license" text,
	"source_type" text DEFAULT 'upload' NOT NULL,
	"source_url" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"is_featured" boolean DEFAULT false NOT NULL,
	"enable_count" integer DEFAULT 0 NOT NULL,
	"latest_version_id" uuid,
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "marketplace_plugins_slug_check" CHECK ("marketplace_plugins"."slug" ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
	CONSTRAINT "marketplace_plugins_source_type_check" CHECK ("marketplace_plugins"."source_type" in ('upload', 'github')),
	CONSTRAINT "marketplace_plugins_enable_count_check" CHECK ("marketplace_plugins"."enable_count" >= 0),
	CONSTRAINT "marketplace_plugins_tags_check" CHECK (jsonb_typeof("marketplace_plugins"."tags") = 'array'),
	CONSTRAINT "marketplace_plugins_actor_check" CHECK (("marketplace_plugins"."actor_type" in ('user', 'api_key') and "marketplace_plugins"."actor_id" is not null) or ("marketplace_plugins"."actor_type" = 'system' and "marketplace_plugins"."actor_id" is null))
);
--> statement-breakpoint
CREATE TABLE "plugin_categories" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"icon" text,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"parent_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "plugin_categories_slug_check" CHECK ("plugin_categories"."slug" ~ '^[a-z0-9][a-z0-9-]{0,62}$')
);
--> statement-breakpoint
CREATE TABLE "plugin_security_scans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"plugin_version_id" uuid NOT NULL,
	"static_scan_status" text NOT NULL,
	"static_findings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"blocked_patterns_found" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"llm_scan_status" text DEFAULT 'not_run' NOT NULL,
	"llm_risk_score" integer,
	"llm_findings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"llm_summary" text,
	"llm_model_used" text,
	"llm_tokens_used" integer,
	"overall_verdict" text NOT NULL,
	"scanned_at" timestamp with time zone DEFAULT now() NOT NULL,
	"scanned_by_user_id" uuid,
	CONSTRAINT "plugin_security_scans_static_check" CHECK ("plugin_security_scans"."static_scan_status" in ('not_run', 'passed', 'flagged', 'failed')),
	CONSTRAINT "plugin_security_scans_llm_check" CHECK ("plugin_security_scans"."llm_scan_status" in ('not_run', 'passed', 'flagged', 'failed')),
	CONSTRAINT "plugin_security_scans_verdict_check" CHECK ("plugin_security_scans"."overall_verdict" in ('safe', 'review_required', 'blocked')),
	CONSTRAINT "plugin_security_scans_risk_check" CHECK ("plugin_security_scans"."llm_risk_score" is null or "plugin_security_scans"."llm_risk_score" between 0 and 100)
);
--> statement-breakpoint
CREATE TABLE "plugin_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"plugin_id" uuid NOT NULL,
	"version" text NOT NULL,
	"storage_prefix" text NOT NULL,
	"manifest" jsonb NOT NULL,
	"bundle_sha256" text NOT NULL,
	"bundle_size_bytes" bigint NOT NULL,
	"file_count" integer NOT NULL,
	"skills_count" integer DEFAULT 0 NOT NULL,
	"commands_count" integer DEFAULT 0 NOT NULL,
	"agents_count" integer DEFAULT 0 NOT NULL,
	"hooks_count" integer DEFAULT 0 NOT NULL,
	"token_estimate" integer DEFAULT 0 NOT NULL,
	"recommended_models" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"changelog" text,
	"security_status" text DEFAULT 'pending' NOT NULL,
	"approval_status" text DEFAULT 'pending' NOT NULL,
	"rejection_reason" text,
	"approved_by_user_id" uuid,
	"approved_at" timestamp with time zone,
	"lifecycle" text DEFAULT 'active' NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "plugin_versions_version_check" CHECK ("plugin_versions"."version" ~ '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$'),
	CONSTRAINT "plugin_versions_sha_check" CHECK ("plugin_versions"."bundle_sha256" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "plugin_versions_security_status_check" CHECK ("plugin_versions"."security_status" in ('pending', 'safe', 'review_required', 'blocked')),
	CONSTRAINT "plugin_versions_approval_status_check" CHECK ("plugin_versions"."approval_status" in ('pending', 'approved', 'rejected')),
	CONSTRAINT "plugin_versions_rejection_check" CHECK (("plugin_versions"."approval_status" = 'rejected') = ("plugin_versions"."rejection_reason" is not null)),
	CONSTRAINT "plugin_versions_blocked_check" CHECK (not ("plugin_versions"."approval_status" = 'approved' and "plugin_versions"."security_status" in ('blocked', 'pending'))),
	CONSTRAINT "plugin_versions_lifecycle_check" CHECK ("plugin_versions"."lifecycle" in ('active', 'deprecated', 'yanked')),
	CONSTRAINT "plugin_versions_actor_check" CHECK (("plugin_versions"."actor_type" in ('user', 'api_key') and "plugin_versions"."actor_id" is not null) or ("plugin_versions"."actor_type" = 'system' and "plugin_versions"."actor_id" is null))
);
--> statement-breakpoint
CREATE TABLE "workspace_enabled_plugins" (
	"workspace_id" uuid NOT NULL,
	"plugin_id" uuid NOT NULL,
	"plugin_version_id" uuid NOT NULL,
	"enabled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	CONSTRAINT "workspace_enabled_plugins_pkey" PRIMARY KEY("workspace_id","plugin_id"),
	CONSTRAINT "workspace_enabled_plugins_actor_check" CHECK (("workspace_enabled_plugins"."actor_type" in ('user', 'api_key') and "workspace_enabled_plugins"."actor_id" is not null) or ("workspace_enabled_plugins"."actor_type" = 'system' and "workspace_enabled_plugins"."actor_id" is null))
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" uuid NOT NULL,
	"workspace_id" uuid,
	"reason" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"request_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_log_target_type_check" CHECK ("audit_log"."target_type" in ('item', 'item_version', 'plugin', 'plugin_version', 'user', 'workspace', 'api_key')),
	CONSTRAINT "audit_log_actor_check" CHECK (("audit_log"."actor_type" in ('user', 'api_key') and "audit_log"."actor_id" is not null) or ("audit_log"."actor_type" = 'system' and "audit_log"."actor_id" is null))
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"workspace_id" uuid NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"response_status" integer,
	"response" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY("workspace_id","key"),
	CONSTRAINT "idempotency_keys_key_check" CHECK (length("idempotency_keys"."key") between 1 and 255)
);
--> statement-breakpoint
CREATE TABLE "marketplace_installs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"item_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"clone_id" uuid,
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	"installed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"uninstalled_at" timestamp with time zone,
	CONSTRAINT "marketplace_installs_window_check" CHECK ("marketplace_installs"."uninstalled_at" is null or "marketplace_installs"."uninstalled_at" >= "marketplace_installs"."installed_at"),
	CONSTRAINT "marketplace_installs_actor_check" CHECK (("marketplace_installs"."actor_type" in ('user', 'api_key') and "marketplace_installs"."actor_id" is not null) or ("marketplace_installs"."actor_type" = 'system' and "marketplace_installs"."actor_id" is null))
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_members" ADD CONSTRAINT "workspace_members_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_members" ADD CONSTRAINT "workspace_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_skills" ADD CONSTRAINT "agent_skills_agent_fkey" FOREIGN KEY ("agent_id","agent_type") REFERENCES "public"."items"("id","type") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_skills" ADD CONSTRAINT "agent_skills_skill_fkey" FOREIGN KEY ("skill_id","skill_type") REFERENCES "public"."items"("id","type") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_tool_assignments" ADD CONSTRAINT "agent_tool_assignments_tool_id_tool_catalog_id_fk" FOREIGN KEY ("tool_id") REFERENCES "public"."tool_catalog"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_tool_assignments" ADD CONSTRAINT "agent_tool_assignments_agent_fkey" FOREIGN KEY ("agent_id","agent_type") REFERENCES "public"."items"("id","type") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_versions" ADD CONSTRAINT "item_versions_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_versions" ADD CONSTRAINT "item_versions_submitted_by_user_id_users_id_fk" FOREIGN KEY ("submitted_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_versions" ADD CONSTRAINT "item_versions_reviewed_by_user_id_users_id_fk" FOREIGN KEY ("reviewed_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_cloned_from_id_items_id_fk" FOREIGN KEY ("cloned_from_id") REFERENCES "public"."items"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_original_creator_id_users_id_fk" FOREIGN KEY ("original_creator_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_persona_id_personas_id_fk" FOREIGN KEY ("persona_id") REFERENCES "public"."personas"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_tool_id_tool_catalog_id_fk" FOREIGN KEY ("tool_id") REFERENCES "public"."tool_catalog"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_publisher_workspace_id_workspaces_id_fk" FOREIGN KEY ("publisher_workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_source_item_id_items_id_fk" FOREIGN KEY ("source_item_id") REFERENCES "public"."items"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_source_plugin_version_id_plugin_versions_id_fk" FOREIGN KEY ("source_plugin_version_id") REFERENCES "public"."plugin_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_latest_version_id_item_versions_id_fk" FOREIGN KEY ("latest_version_id") REFERENCES "public"."item_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_category_fkey" FOREIGN KEY ("category_id","marketplace_category") REFERENCES "public"."categories"("id","name") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "personas" ADD CONSTRAINT "personas_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recipe_recommended_agents" ADD CONSTRAINT "recipe_recommended_agents_recipe_fkey" FOREIGN KEY ("recipe_id","recipe_type") REFERENCES "public"."items"("id","type") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recipe_recommended_agents" ADD CONSTRAINT "recipe_recommended_agents_agent_fkey" FOREIGN KEY ("agent_id","agent_type") REFERENCES "public"."items"("id","type") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_assigned_plugins" ADD CONSTRAINT "agent_assigned_plugins_plugin_id_marketplace_plugins_id_fk" FOREIGN KEY ("plugin_id") REFERENCES "public"."marketplace_plugins"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_assigned_plugins" ADD CONSTRAINT "agent_assigned_plugins_agent_fkey" FOREIGN KEY ("agent_id","agent_type") REFERENCES "public"."items"("id","type") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marketplace_plugins" ADD CONSTRAINT "marketplace_plugins_category_id_plugin_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."plugin_categories"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marketplace_plugins" ADD CONSTRAINT "marketplace_plugins_latest_version_id_plugin_versions_id_fk" FOREIGN KEY ("latest_version_id") REFERENCES "public"."plugin_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plugin_categories" ADD CONSTRAINT "plugin_categories_parent_id_plugin_categories_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."plugin_categories"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plugin_security_scans" ADD CONSTRAINT "plugin_security_scans_plugin_version_id_plugin_versions_id_fk" FOREIGN KEY ("plugin_version_id") REFERENCES "public"."plugin_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plugin_security_scans" ADD CONSTRAINT "plugin_security_scans_scanned_by_user_id_users_id_fk" FOREIGN KEY ("scanned_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD CONSTRAINT "plugin_versions_plugin_id_marketplace_plugins_id_fk" FOREIGN KEY ("plugin_id") REFERENCES "public"."marketplace_plugins"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plugin_versions" ADD CONSTRAINT "plugin_versions_approved_by_user_id_users_id_fk" FOREIGN KEY ("approved_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_enabled_plugins" ADD CONSTRAINT "workspace_enabled_plugins_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_enabled_plugins" ADD CONSTRAINT "workspace_enabled_plugins_plugin_id_marketplace_plugins_id_fk" FOREIGN KEY ("plugin_id") REFERENCES "public"."marketplace_plugins"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_enabled_plugins" ADD CONSTRAINT "workspace_enabled_plugins_plugin_version_id_plugin_versions_id_fk" FOREIGN KEY ("plugin_version_id") REFERENCES "public"."plugin_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marketplace_installs" ADD CONSTRAINT "marketplace_installs_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marketplace_installs" ADD CONSTRAINT "marketplace_installs_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marketplace_installs" ADD CONSTRAINT "marketplace_installs_version_id_item_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."item_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marketplace_installs" ADD CONSTRAINT "marketplace_installs_clone_id_items_id_fk" FOREIGN KEY ("clone_id") REFERENCES "public"."items"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_workspace_idx" ON "api_keys" USING btree ("workspace_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "users_clerk_user_id_key" ON "users" USING btree ("clerk_user_id");--> statement-breakpoint
CREATE INDEX "users_email_idx" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "workspace_members_user_idx" ON "workspace_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "workspaces_slug_key" ON "workspaces" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "agent_skills_skill_idx" ON "agent_skills" USING btree ("skill_id");--> statement-breakpoint
CREATE INDEX "agent_tool_assignments_tool_idx" ON "agent_tool_assignments" USING btree ("tool_id");--> statement-breakpoint
CREATE UNIQUE INDEX "categories_slug_key" ON "categories" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "categories_name_key" ON "categories" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "item_versions_item_version_key" ON "item_versions" USING btree ("item_id","version");--> statement-breakpoint
CREATE INDEX "item_versions_review_queue_idx" ON "item_versions" USING btree ("review_status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "items_workspace_name_key" ON "items" USING btree ("workspace_id","type",lower("name")) WHERE "items"."owner_type" = 'workspace' and "items"."removed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "items_marketplace_name_key" ON "items" USING btree ("type",lower("name")) WHERE "items"."owner_type" = 'marketplace' or "items"."removed_at" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "items_marketplace_source_key" ON "items" USING btree ("publisher_workspace_id","source_item_id") WHERE "items"."source_item_id" is not null and ("items"."owner_type" = 'marketplace' or "items"."removed_at" is not null);--> statement-breakpoint
CREATE UNIQUE INDEX "items_marketplace_llm_model_key" ON "items" USING btree (("details" ->> 'model_id')) WHERE "items"."type" = 'llm' and "items"."owner_type" = 'marketplace';--> statement-breakpoint
CREATE INDEX "items_owner_approval_popular_idx" ON "items" USING btree ("owner_type","is_approved","install_count" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "items_marketplace_type_popular_idx" ON "items" USING btree ("type","is_approved","install_count" DESC NULLS LAST,"id") WHERE "items"."owner_type" = 'marketplace';--> statement-breakpoint
CREATE INDEX "items_marketplace_category_popular_idx" ON "items" USING btree ("category_id","is_approved","install_count" DESC NULLS LAST,"id") WHERE "items"."owner_type" = 'marketplace';--> statement-breakpoint
CREATE INDEX "items_marketplace_featured_idx" ON "items" USING btree ("is_featured","is_approved","install_count" DESC NULLS LAST,"id") WHERE "items"."owner_type" = 'marketplace';--> statement-breakpoint
CREATE INDEX "items_marketplace_newest_idx" ON "items" USING btree ("is_approved","created_at" DESC NULLS LAST,"id") WHERE "items"."owner_type" = 'marketplace';--> statement-breakpoint
CREATE INDEX "items_marketplace_name_sort_idx" ON "items" USING btree ("is_approved",lower("name"),"id") WHERE "items"."owner_type" = 'marketplace';--> statement-breakpoint
CREATE INDEX "items_workspace_type_idx" ON "items" USING btree ("workspace_id","type","created_at");--> statement-breakpoint
CREATE INDEX "items_cloned_from_idx" ON "items" USING btree ("cloned_from_id");--> statement-breakpoint
CREATE INDEX "items_source_item_idx" ON "items" USING btree ("source_item_id");--> statement-breakpoint
CREATE INDEX "items_publisher_idx" ON "items" USING btree ("publisher_workspace_id");--> statement-breakpoint
CREATE INDEX "items_search_idx" ON "items" USING gin ("search");--> statement-breakpoint
CREATE INDEX "items_name_trgm_idx" ON "items" USING gin (lower("name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "items_tags_idx" ON "items" USING gin ("tags" jsonb_path_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "personas_global_slug_key" ON "personas" USING btree ("slug") WHERE "personas"."workspace_id" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "personas_workspace_slug_key" ON "personas" USING btree ("workspace_id","slug") WHERE "personas"."workspace_id" is not null;--> statement-breakpoint
CREATE INDEX "recipe_recommended_agents_agent_idx" ON "recipe_recommended_agents" USING btree ("agent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tool_catalog_app_name_key" ON "tool_catalog" USING btree ("app_name");--> statement-breakpoint
CREATE UNIQUE INDEX "tool_catalog_app_slug_key" ON "tool_catalog" USING btree ("app_slug");--> statement-breakpoint
CREATE INDEX "agent_assigned_plugins_plugin_idx" ON "agent_assigned_plugins" USING btree ("plugin_id");--> statement-breakpoint
CREATE UNIQUE INDEX "marketplace_plugins_slug_key" ON "marketplace_plugins" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "marketplace_plugins_category_idx" ON "marketplace_plugins" USING btree ("category_id");--> statement-breakpoint
CREATE INDEX "marketplace_plugins_featured_idx" ON "marketplace_plugins" USING btree ("is_featured","enable_count" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "marketplace_plugins_name_trgm_idx" ON "marketplace_plugins" USING gin (lower("name") gin_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "plugin_categories_slug_key" ON "plugin_categories" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "plugin_security_scans_version_idx" ON "plugin_security_scans" USING btree ("plugin_version_id","scanned_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "plugin_versions_plugin_version_key" ON "plugin_versions" USING btree ("plugin_id","version");--> statement-breakpoint
CREATE INDEX "plugin_versions_review_queue_idx" ON "plugin_versions" USING btree ("approval_status","created_at");--> statement-breakpoint
CREATE INDEX "workspace_enabled_plugins_plugin_idx" ON "workspace_enabled_plugins" USING btree ("plugin_id");--> statement-breakpoint
CREATE INDEX "audit_log_created_idx" ON "audit_log" USING btree ("created_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "audit_log_target_idx" ON "audit_log" USING btree ("target_type","target_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_log_action_idx" ON "audit_log" USING btree ("action","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "idempotency_keys_expires_idx" ON "idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "marketplace_installs_active_key" ON "marketplace_installs" USING btree ("workspace_id","item_id") WHERE "marketplace_installs"."uninstalled_at" is null;--> statement-breakpoint
CREATE INDEX "marketplace_installs_item_idx" ON "marketplace_installs" USING btree ("item_id","installed_at");--> statement-breakpoint
CREATE INDEX "marketplace_installs_clone_idx" ON "marketplace_installs" USING btree ("clone_id");