/**
 * The item types of the one items table (design.md §1) and who owns a row. The database schema
 * imports these (src/db/schema/catalog.ts), never the other way round.
 */
export const ITEM_TYPES = ["agent", "recipe", "skill", "llm", "tool"] as const;
export type ItemType = (typeof ITEM_TYPES)[number];

/** Workspace rows and marketplace rows share the table (seed: owner_type). */
export const OWNER_TYPES = ["workspace", "marketplace"] as const;
export type OwnerType = (typeof OWNER_TYPES)[number];
