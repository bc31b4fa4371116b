import { z } from "@hono/zod-openapi";
import { detailsSchema } from "../../domain/item-details";
import { NameSchema } from "../../domain/names";
import { TagsSchema } from "../../domain/tags";
import type { ApiTag } from "../../lib/api-tags";
import type { WorkspaceType } from "../../services/workspace-items";

/**
 * Each workspace type under its own collection path (seed: /api/agents; also recipes and skills).
 * `noun` names the operations (`listAgents`, `getRecipe`, …).
 */
export const COLLECTIONS: Array<{ type: WorkspaceType; path: "/api/agents" | "/api/recipes" | "/api/skills"; tag: ApiTag; label: string; noun: string }> = [
  { type: "agent", path: "/api/agents", tag: "Agents", label: "agent", noun: "Agent" },
  { type: "recipe", path: "/api/recipes", tag: "Recipes", label: "recipe", noun: "Recipe" },
  { type: "skill", path: "/api/skills", tag: "Skills", label: "skill", noun: "Skill" },
];

/**
 * What create takes for an item of `type`; `details` is checked against the type's schema
 * (src/domain/item-details.ts), so a wrong type is a 400 `validation_failed` naming the field.
 */
export function itemInputSchema(type: WorkspaceType) {
  return z.object({
    name: NameSchema,
    description: z.string().max(5000).optional(),
    tags: TagsSchema.optional(),
    icon: z.string().max(500).nullable().optional(),
    details: detailsSchema(type).optional(),
    skill_ids: z.array(z.uuid()).max(50).optional().openapi({ description: "Agents only." }),
    tools: z.array(z.string().min(1).max(100)).max(50).optional().openapi({ description: "Agents only: tool catalog app names." }),
  });
}

/** What PATCH takes: every field optional; a field given replaces the stored one whole (`details` too). */
export function itemUpdateSchema(type: WorkspaceType) {
  return itemInputSchema(type).partial();
}

export const WorkspaceItemSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(["agent", "recipe", "skill"]),
    name: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    icon: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    version: z.string(),
    cloned_from_id: z.uuid().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    skill_ids: z.array(z.uuid()).optional(),
    tools: z.array(z.string()).optional(),
  })
  .openapi("WorkspaceItem");

export const ItemIdParam = z.object({ id: z.uuid() });

export const READ_ACCESS = { access: "authenticated", scope: "items:read", workspaceScoped: true, role: "viewer" } as const;
export const WRITE_ACCESS = { access: "authenticated", scope: "items:write", workspaceScoped: true, role: "editor" } as const;
