import { sql, type SQL } from "drizzle-orm";
import {
  type AnyPgColumn,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { actorCheck, actorColumns, categoryColumns, createdAt, id, isSemver, isSlug, oneOf, tsvector, updatedAt, versionStatusChecks, versionStatusColumns } from "./columns";
import { users, workspaces } from "./identity";
import { pluginVersions } from "./plugins";
import { ITEM_TYPES, OWNER_TYPES } from "../../domain/item-types";
import { REVIEW_STATUSES } from "../../domain/version-status";


/** Item categories shared by every type; counts per type are computed from items (design.md §8). */
export const categories = pgTable(
  "categories",
  categoryColumns(),
  (t) => [
    uniqueIndex("categories_slug_key").on(t.slug),
    uniqueIndex("categories_name_key").on(sql`lower(${t.name})`),
    // Target of the (category_id, marketplace_category) foreign key on items.
    unique("categories_id_name_key").on(t.id, t.name),
    check("categories_slug_check", isSlug(t.slug)),
  ],
);

/** The tool catalog: names and icons for agents' tool assignments (the original's composio_apps_cache). */
export const toolCatalog = pgTable(
  "tool_catalog",
  {
    id: id(),
    appName: text("app_name").notNull(),
    appSlug: text("app_slug").notNull(),
    displayName: text("display_name").notNull(),
    description: text("description"),
    logoUrl: text("logo_url"),
    categories: jsonb("categories").$type<string[]>().notNull().default([]),
    authSchemes: jsonb("auth_schemes").$type<string[]>().notNull().default([]),
    actionCount: integer("action_count").notNull().default(0),
    triggerCount: integer("trigger_count").notNull().default(0),
    status: text("status").notNull().default("active"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("tool_catalog_app_name_key").on(t.appName),
    uniqueIndex("tool_catalog_app_slug_key").on(t.appSlug),
    check("tool_catalog_app_name_check", sql`${t.appName} = upper(${t.appName})`),
    check("tool_catalog_app_slug_check", sql`${t.appSlug} = lower(${t.appSlug})`),
    check("tool_catalog_status_check", oneOf(t.status, ["active", "deprecated"])),
  ],
);

export const personas = pgTable(
  "personas",
  {
    id: id(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    systemPrompt: text("system_prompt").notNull(),
    suggestedTemperature: text("suggested_temperature"),
    // NULL = a global persona; otherwise private to one workspace.
    workspaceId: uuid("workspace_id").references(() => workspaces.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("personas_global_slug_key").on(t.slug).where(sql`${t.workspaceId} is null`),
    uniqueIndex("personas_workspace_slug_key").on(t.workspaceId, t.slug).where(sql`${t.workspaceId} is not null`),
  ],
);

/**
 * One table for agents, recipes, skills, LLM entries and tools (design.md §1): workspace rows and
 * marketplace rows side by side, told apart by owner_type, with every core field of the seed.
 * Type-specific fields live in `details`, validated per type by zod (src/domain/item-details.ts).
 */
export const items = pgTable(
  "items",
  {
    id: id(),
    type: text("type").notNull(),
    name: text("name").notNull(),
    // The look-alike key marketplace names are unique on (src/domain/names.ts `nameSkeleton`), written
    // with every name by the item queries (src/db/queries/item-values.ts).
    nameSkeleton: text("name_skeleton").notNull(),
    description: text("description").notNull().default(""),
    ownerType: text("owner_type").notNull().default("workspace"),
    // The workspace id as text for workspace rows, NULL for marketplace rows (seed: Core Fields).
    ownerId: text("owner_id"),
    workspaceId: uuid("workspace_id").references(() => workspaces.id, { onDelete: "cascade" }),
    isApproved: boolean("is_approved").notNull().default(false),
    isFeatured: boolean("is_featured").notNull().default(false),
    installCount: integer("install_count").notNull().default(0),
    clonedFromId: uuid("cloned_from_id").references((): AnyPgColumn => items.id, { onDelete: "set null" }),
    originalCreatorId: uuid("original_creator_id").references(() => users.id, { onDelete: "set null" }),
    categoryId: uuid("category_id"),
    // Kept equal to categories.name by a composite foreign key (see below).
    marketplaceCategory: text("marketplace_category"),
    marketplaceIcon: text("marketplace_icon"),
    version: text("version").notNull().default("1.0.0"),
    tags: jsonb("tags").$type<string[]>().notNull().default([]),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    personaId: uuid("persona_id").references(() => personas.id, { onDelete: "set null" }),
    toolId: uuid("tool_id").references(() => toolCatalog.id, { onDelete: "restrict" }),
    // Publisher identity (design.md §3).
    publisherWorkspaceId: uuid("publisher_workspace_id").references(() => workspaces.id, { onDelete: "set null" }),
    sourceItemId: uuid("source_item_id").references((): AnyPgColumn => items.id, { onDelete: "set null" }),
    // Skills materialised from a plugin remember the plugin version (design.md §8).
    sourcePluginVersionId: uuid("source_plugin_version_id").references((): AnyPgColumn => pluginVersions.id, {
      onDelete: "set null",
    }),
    // The version this row mirrors: the latest approved one for marketplace rows (design.md §2).
    latestVersionId: uuid("latest_version_id").references((): AnyPgColumn => itemVersions.id, { onDelete: "set null" }),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    ...actorColumns(),
    removedAt: timestamp("removed_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    search: tsvector("search").generatedAlwaysAs(
      (): SQL =>
        // Every text folded by search_fold (NFKC, lower case; migration 0011), as the query is (issue 30 item 1).
        sql`setweight(to_tsvector('simple'::regconfig, search_fold(${items.name})), 'A') || setweight(to_tsvector('english'::regconfig, search_fold(${items.description})), 'B') || setweight(to_tsvector('simple'::regconfig, search_fold((${items.tags})::text)), 'C')`,
    ),
  },
  (t) => [
    // Target of the typed foreign keys below, so that e.g. agent_skills can only link an agent to a skill.
    unique("items_id_type_key").on(t.id, t.type),
    foreignKey({
      name: "items_category_fkey",
      columns: [t.categoryId, t.marketplaceCategory],
      foreignColumns: [categories.id, categories.name],
    })
      .onUpdate("cascade")
      .onDelete("restrict"),
    check("items_category_pair_check", sql`(${t.categoryId} is null) = (${t.marketplaceCategory} is null)`),
    check("items_type_check", oneOf(t.type, ITEM_TYPES)),
    check("items_owner_type_check", oneOf(t.ownerType, ["workspace", "marketplace"])),
    check(
      "items_owner_check",
      sql`(${t.ownerType} = 'workspace' and ${t.workspaceId} is not null and ${t.ownerId} = ${t.workspaceId}::text)
       or (${t.ownerType} = 'marketplace' and ${t.workspaceId} is null and ${t.ownerId} is null)`,
    ),
    check("items_removed_check", sql`${t.removedAt} is null or ${t.ownerType} = 'workspace'`),
    // LLM entries and tools are curated marketplace rows; LLM clones live in workspaces (design.md §4).
    check("items_tool_owner_check", sql`${t.type} <> 'tool' or ${t.ownerType} = 'marketplace' or ${t.removedAt} is not null`),
    check("items_tool_ref_check", sql`(${t.type} = 'tool') = (${t.toolId} is not null)`),
    check("items_persona_check", sql`${t.personaId} is null or ${t.type} = 'agent'`),
    check("items_install_count_check", sql`${t.installCount} >= 0`),
    check("items_version_check", isSemver(t.version)),
    check("items_name_check", sql`length(${t.name}) between 1 and 200`),
    check("items_tags_check", sql`jsonb_typeof(${t.tags}) = 'array'`),
    check("items_details_check", sql`jsonb_typeof(${t.details}) = 'object'`),
    actorCheck("items", t),

    // Workspace names are unique per type; a removed marketplace row returned to its publisher is not
    // a workspace item of its own and keeps its marketplace name reserved instead (design.md §5, §6).
    uniqueIndex("items_workspace_name_key")
      .on(t.workspaceId, t.type, sql`lower(${t.name})`)
      .where(sql`${t.ownerType} = 'workspace' and ${t.removedAt} is null`),
    // Marketplace names are unique per type on their confusable skeleton, case folded (issue 9 item 3).
    uniqueIndex("items_marketplace_name_key")
      .on(t.type, t.nameSkeleton)
      .where(sql`${t.ownerType} = 'marketplace' or ${t.removedAt} is not null`),
    uniqueIndex("items_marketplace_source_key")
      .on(t.publisherWorkspaceId, t.sourceItemId)
      .where(sql`${t.sourceItemId} is not null and (${t.ownerType} = 'marketplace' or ${t.removedAt} is not null)`),
    uniqueIndex("items_marketplace_llm_model_key")
      .on(sql`(${t.details} ->> 'model_id')`)
      .where(sql`${t.type} = 'llm' and ${t.ownerType} = 'marketplace'`),

    // Catalog list filters and sorts (seed: owner_type, approval, category, featured, install_count);
    // `id` is the tie-breaker that keeps pages stable.
    index("items_owner_approval_popular_idx").on(t.ownerType, t.isApproved, t.installCount.desc(), t.id),
    index("items_marketplace_type_popular_idx")
      .on(t.type, t.isApproved, t.installCount.desc(), t.id)
      .where(sql`${t.ownerType} = 'marketplace'`),
    index("items_marketplace_category_popular_idx")
      .on(t.categoryId, t.isApproved, t.installCount.desc(), t.id)
      .where(sql`${t.ownerType} = 'marketplace'`),
    index("items_marketplace_featured_idx")
      .on(t.isFeatured, t.isApproved, t.installCount.desc(), t.id)
      .where(sql`${t.ownerType} = 'marketplace'`),
    index("items_marketplace_newest_idx")
      .on(t.isApproved, t.createdAt.desc(), t.id)
      .where(sql`${t.ownerType} = 'marketplace'`),
    index("items_marketplace_name_sort_idx")
      .on(t.isApproved, sql`lower(${t.name})`, t.id)
      .where(sql`${t.ownerType} = 'marketplace'`),
    index("items_workspace_type_idx").on(t.workspaceId, t.type, t.createdAt),
    index("items_cloned_from_idx").on(t.clonedFromId),
    index("items_source_item_idx").on(t.sourceItemId),
    index("items_publisher_idx").on(t.publisherWorkspaceId),
    // Search (design.md §9).
    index("items_search_idx").using("gin", t.search),
    // On the folded name the search compares (search.ts lowerName; issue 30 item 1).
    index("items_name_trgm_idx").using("gin", sql`search_fold(${t.name}) gin_trgm_ops`),
    // Names starting with a search query (search.ts searchTiers: the top ranking tiers) as one range
    // scan, at any catalog size. The trigram GIN answers `like 'ledger insight%'` only by reading every
    // name holding those trigrams anywhere (500 rechecked rows at 100k items, 58 ms for a long name);
    // text_pattern_ops because the database collation need not be C.
    index("items_marketplace_name_prefix_idx")
      .using("btree", sql`search_fold(${t.name}) text_pattern_ops`)
      .where(sql`${t.ownerType} = 'marketplace'`),
    index("items_tags_idx").using("gin", sql`${t.tags} jsonb_path_ops`),
  ],
);

/**
 * Every lexeme that has appeared in a marketplace item's `search` tsvector (issue 13 item 3), so a
 * search word's prefix is expanded into the whole lexemes it stands for before the GIN scan
 * (src/db/queries/search.ts expandedPrefixQuery). Why: a prefix (`'ledger':*`) is a GIN partial
 * match, which collects every matching lexeme's posting list into a bitmap before intersecting; whole
 * lexemes are intersected in the index, skipping. At 100k items the bare count of "scheduler
 * outreach" takes 15.8 ms by prefix and 7.7 ms by whole lexemes.
 *
 * Filled by the trigger `items_search_lexemes` (migration 0005) on every insert or update of a
 * marketplace row, in the writing transaction, so it is never behind the items it covers. Never
 * pruned: a lexeme no item holds any more only widens the expanded query with a word that matches
 * nothing. Not unique: the trigger inserts lexemes not yet present without a lock, so two concurrent
 * writers never wait on (or deadlock over) each other; a rare duplicate is read once (`distinct`).
 * Holds marketplace words only, never a workspace's private ones.
 */
export const searchLexemes = pgTable(
  "search_lexemes",
  { lexeme: text("lexeme").notNull() },
  // Prefix ranges (`~>=~`, `~<~`) and equality; text_pattern_ops because the collation need not be C.
  (t) => [index("search_lexemes_prefix_idx").using("btree", sql`${t.lexeme} text_pattern_ops`)],
);

/** Immutable published snapshots (design.md §2). */
export const itemVersions = pgTable(
  "item_versions",
  {
    id: id(),
    itemId: uuid("item_id")
      .notNull()
      .references(() => items.id, { onDelete: "restrict" }),
    version: text("version").notNull(),
    content: jsonb("content").$type<Record<string, unknown>>().notNull(),
    dependencyIds: uuid("dependency_ids").array().notNull().default(sql`'{}'::uuid[]`),
    changelog: text("changelog"),
    contentSha256: text("content_sha256").notNull(),
    reviewStatus: text("review_status").$type<(typeof REVIEW_STATUSES)[number]>().notNull().default("pending"),
    rejectionReason: text("rejection_reason"),
    ...versionStatusColumns(),
    submittedByUserId: uuid("submitted_by_user_id").references(() => users.id, { onDelete: "set null" }),
    reviewedByUserId: uuid("reviewed_by_user_id").references(() => users.id, { onDelete: "set null" }),
    reviewedAt: timestamp("reviewed_at", { withTimezone: true }),
    ...actorColumns(),
    createdAt: createdAt(),
  },
  (t) => [
    // A version number is never reused (design.md §2): rows are never deleted, so this is enough.
    uniqueIndex("item_versions_item_version_key").on(t.itemId, t.version),
    index("item_versions_review_queue_idx").on(t.reviewStatus, t.createdAt),
    check("item_versions_version_check", isSemver(t.version)),
    check("item_versions_sha_check", sql`${t.contentSha256} ~ '^[0-9a-f]{64}$'`),
    check("item_versions_review_status_check", oneOf(t.reviewStatus, REVIEW_STATUSES)),
    check(
      "item_versions_rejection_check",
      sql`(${t.reviewStatus} = 'rejected') = (${t.rejectionReason} is not null)`,
    ),
    ...versionStatusChecks("item_versions", t),
    foreignKey({ name: "item_versions_replacement_fkey", columns: [t.replacementItemId], foreignColumns: [items.id] }).onDelete("set null"),
    check("item_versions_content_check", sql`jsonb_typeof(${t.content}) = 'object'`),
    actorCheck("item_versions", t),
  ],
);

/** An agent's skills (both are items; the typed keys make the database refuse any other pairing). */
export const agentSkills = pgTable(
  "agent_skills",
  {
    agentId: uuid("agent_id").notNull(),
    agentType: text("agent_type").notNull().default("agent"),
    skillId: uuid("skill_id").notNull(),
    skillType: text("skill_type").notNull().default("skill"),
    priority: integer("priority").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: "agent_skills_pkey", columns: [t.agentId, t.skillId] }),
    foreignKey({ name: "agent_skills_agent_fkey", columns: [t.agentId, t.agentType], foreignColumns: [items.id, items.type] }).onDelete("cascade"),
    foreignKey({ name: "agent_skills_skill_fkey", columns: [t.skillId, t.skillType], foreignColumns: [items.id, items.type] }).onDelete("cascade"),
    index("agent_skills_skill_idx").on(t.skillId),
    check("agent_skills_agent_type_check", sql`${t.agentType} = 'agent'`),
    check("agent_skills_skill_type_check", sql`${t.skillType} = 'skill'`),
    check("agent_skills_priority_check", sql`${t.priority} >= 0`),
  ],
);

export const agentToolAssignments = pgTable(
  "agent_tool_assignments",
  {
    agentId: uuid("agent_id").notNull(),
    agentType: text("agent_type").notNull().default("agent"),
    toolId: uuid("tool_id")
      .notNull()
      .references(() => toolCatalog.id, { onDelete: "cascade" }),
    enabled: boolean("enabled").notNull().default(true),
    // Workspace-private (connection ids and the like): never published or copied on install.
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    ...actorColumns(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ name: "agent_tool_assignments_pkey", columns: [t.agentId, t.toolId] }),
    foreignKey({ name: "agent_tool_assignments_agent_fkey", columns: [t.agentId, t.agentType], foreignColumns: [items.id, items.type] }).onDelete("cascade"),
    index("agent_tool_assignments_tool_idx").on(t.toolId),
    check("agent_tool_assignments_agent_type_check", sql`${t.agentType} = 'agent'`),
    actorCheck("agent_tool_assignments", t),
  ],
);

/** A recipe's recommended agents, by item id (the original stored names). */
export const recipeRecommendedAgents = pgTable(
  "recipe_recommended_agents",
  {
    recipeId: uuid("recipe_id").notNull(),
    recipeType: text("recipe_type").notNull().default("recipe"),
    agentId: uuid("agent_id").notNull(),
    agentType: text("agent_type").notNull().default("agent"),
    position: integer("position").notNull().default(0),
  },
  (t) => [
    primaryKey({ name: "recipe_recommended_agents_pkey", columns: [t.recipeId, t.agentId] }),
    foreignKey({ name: "recipe_recommended_agents_recipe_fkey", columns: [t.recipeId, t.recipeType], foreignColumns: [items.id, items.type] }).onDelete("cascade"),
    foreignKey({ name: "recipe_recommended_agents_agent_fkey", columns: [t.agentId, t.agentType], foreignColumns: [items.id, items.type] }).onDelete("cascade"),
    index("recipe_recommended_agents_agent_idx").on(t.agentId),
    check("recipe_recommended_agents_recipe_type_check", sql`${t.recipeType} = 'recipe'`),
    check("recipe_recommended_agents_agent_type_check", sql`${t.agentType} = 'agent'`),
  ],
);
