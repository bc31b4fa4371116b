import type { itemVersions } from "../db/schema";

type VersionRow = typeof itemVersions.$inferSelect;

/** What install and update copy from a version: its published content, nothing from the live row. */
export interface CloneContent {
  name: string;
  description: string;
  tags: string[];
  icon: string | null;
  /** The published configuration as stored at submit (design.md §7); never re-filtered here. */
  details: Record<string, unknown>;
  /** Agents: marketplace skills to link (global rows, design.md §4). */
  skillIds: string[];
  /** Agents: tool app names; assignments are never copied, the user reconnects them. */
  tools: string[] | undefined;
  /** Recipes: recommended marketplace agents (listed, not installed). */
  recommendedAgentIds: string[];
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;

/**
 * Reads a version's content defensively: versions written by submit carry every field; older
 * ones (the demo seed) may lack the dependency lists, which then come from the version's own
 * `dependency_ids`. `fallbackName` is the marketplace name, for content without one.
 */
export function cloneContent(version: VersionRow, type: string, fallbackName: string): CloneContent {
  const c = version.content as Record<string, unknown>;
  const details = c.details && typeof c.details === "object" && !Array.isArray(c.details) ? (c.details as Record<string, unknown>) : {};
  return {
    name: typeof c.name === "string" && c.name ? c.name : fallbackName,
    description: typeof c.description === "string" ? c.description : "",
    tags: strings(c.tags) ?? [],
    icon: typeof c.icon === "string" ? c.icon : null,
    details,
    skillIds: type === "agent" ? (strings(c.skill_ids) ?? version.dependencyIds) : [],
    tools: type === "agent" ? strings(c.tools) : undefined,
    recommendedAgentIds: type === "recipe" ? (strings(c.recommended_agent_ids) ?? version.dependencyIds) : [],
  };
}
