import { uniqueViolationConstraint } from "../db/errors";
import { ApiError } from "./errors";
import type { Logger } from "./logger";

interface Conflict {
  code: string;
  detail: string;
}

/**
 * The 409 problem each unique index (or composite primary key) of the schema stands for: the one
 * place a unique violation becomes an answer, whichever query and whichever concurrent request hit
 * it (issue 10 item 5: the database decides races, design.md §6). Keyed by constraint name as in
 * drizzle/*.sql; test/db/conflicts.test.ts fails when an index of the live schema is missing here.
 */
export const UNIQUE_CONFLICTS: Readonly<Record<string, Conflict>> = {
  users_clerk_user_id_key: { code: "user_exists", detail: "This Clerk user is already registered." },
  workspaces_slug_key: { code: "slug_taken", detail: "That workspace slug is taken." },
  workspace_members_pkey: { code: "already_member", detail: "That user is already a member of this workspace." },
  workspace_invitations_workspace_email_key: { code: "already_invited", detail: "That address already has an invitation to this workspace." },
  api_keys_key_hash_key: { code: "key_conflict", detail: "The generated key collided with an existing one; try again." },
  categories_slug_key: { code: "category_exists", detail: "A category with that slug exists." },
  categories_name_key: { code: "category_exists", detail: "A category with that name exists." },
  categories_id_name_key: { code: "category_exists", detail: "That category exists." },
  tool_catalog_app_name_key: { code: "tool_exists", detail: "A tool with that app name exists." },
  tool_catalog_app_slug_key: { code: "tool_exists", detail: "A tool with that app slug exists." },
  personas_global_slug_key: { code: "persona_slug_taken", detail: "A persona with that slug exists." },
  personas_workspace_slug_key: { code: "persona_slug_taken", detail: "This workspace has a persona with that slug." },
  items_id_type_key: { code: "item_exists", detail: "That item exists." },
  items_workspace_name_key: { code: "name_taken", detail: "This workspace already has an item of this type with that name." },
  items_marketplace_name_key: { code: "name_taken", detail: "The marketplace already has an item of this type with that name." },
  items_marketplace_source_key: {
    code: "submission_pending",
    detail: "This item was just submitted by another request; that submission is waiting for review.",
  },
  items_marketplace_llm_model_key: { code: "model_taken", detail: "The marketplace already lists that model." },
  item_versions_item_version_key: { code: "version_conflict", detail: "That version of the item exists." },
  agent_skills_pkey: { code: "duplicate_link", detail: "That skill is already linked to the agent." },
  agent_tool_assignments_pkey: { code: "duplicate_link", detail: "That tool is already assigned to the agent." },
  recipe_recommended_agents_pkey: { code: "duplicate_link", detail: "That agent is already recommended by the recipe." },
  agent_assigned_plugins_pkey: { code: "duplicate_link", detail: "That plugin is already assigned to the agent." },
  marketplace_installs_active_key: { code: "already_installed", detail: "This workspace already has that item installed." },
  marketplace_plugins_slug_key: { code: "plugin_slug_taken", detail: "A plugin with that slug exists." },
  marketplace_plugins_name_skeleton_key: { code: "name_taken", detail: "Another plugin has that name or one that looks like it." },
  plugin_categories_slug_key: { code: "category_exists", detail: "A plugin category with that slug exists." },
  plugin_versions_plugin_version_key: { code: "version_conflict", detail: "That version of the plugin exists." },
  workspace_enabled_plugins_pkey: { code: "plugin_already_enabled", detail: "That plugin is already enabled in this workspace." },
  idempotency_keys_pkey: { code: "idempotency_conflict", detail: "A request with that Idempotency-Key is being processed." },
  reports_open_workspace_key: { code: "report_exists", detail: "Your workspace already has an open report on this subject and version." },
  reports_open_reporter_key: { code: "report_exists", detail: "You already have an open report on this subject and version." },
  appeals_action_key: { code: "appeal_exists", detail: "This moderation action has already been appealed." },
};

/**
 * The 409 `ApiError` for a unique violation, or undefined for any other error. A violation of an
 * index not listed above still answers 409 (`conflict`), never 500, and is logged so the table can
 * be completed; the constraint name never reaches the client.
 */
export function conflictFor(error: unknown, logger?: Logger): ApiError | undefined {
  const constraint = uniqueViolationConstraint(error);
  if (constraint === undefined) return undefined;
  const known = UNIQUE_CONFLICTS[constraint];
  if (known) return new ApiError(409, known.code, known.detail);
  logger?.warn("unmapped_unique_violation", { constraint });
  return new ApiError(409, "conflict", "This conflicts with existing data.");
}
