import { z } from "@hono/zod-openapi";
import { SEMVER_PATTERN } from "../../domain/version-pattern";
import { isSemver } from "../../domain/semver";
import { CategoryRefSchema } from "../../domain/categories";
import { NameSchema } from "../../domain/names";
import { TagsSchema } from "../../domain/tags";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import { withRoutes, type Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { submitItem } from "../../services/publishing";

// Accepts the original frontend body too: `item_type` plus `metadata.agent_id` (and `metadata.icon`).
const SubmitBody = z
  .object({
    item_id: z.uuid().optional(),
    item_type: z.enum(["agent", "recipe", "skill"]).optional(),
    name: NameSchema.optional(),
    description: z.string().max(5000).optional(),
    category: CategoryRefSchema.optional(),
    tags: TagsSchema.optional(),
    icon: z.string().max(500).optional(),
    version: z
      .string()
      .max(100)
      // The pattern documents the format; the package also refuses numbers past MAX_SAFE_INTEGER.
      .regex(new RegExp(SEMVER_PATTERN), "must be a semantic version such as 1.2.0")
      .refine(isSemver, "must be a semantic version such as 1.2.0")
      .optional(),
    changelog: z.string().max(10_000).optional(),
    metadata: z
      .object({ agent_id: z.uuid().optional(), recipe_id: z.uuid().optional(), skill_id: z.uuid().optional(), icon: z.string().max(500).optional() })
      .loose()
      .optional(),
  })
  .refine((b) => b.item_id ?? b.metadata?.agent_id ?? b.metadata?.recipe_id ?? b.metadata?.skill_id, {
    message: "Give item_id (or metadata.agent_id).",
    path: ["item_id"],
  });

const SubmissionSchema = z
  .object({
    submission_id: z.uuid(),
    item_id: z.uuid(),
    status: z.literal("pending"),
    version: z.string(),
    new_item: z.boolean(),
    dropped_keys: z.array(z.string()).openapi({
      description:
        "Path of every configuration value left out of the published copy, at any depth, in dotted/bracket form (`steps[0].headers.Authorization`): keys the item type does not publish, values of the wrong type, and anything that looks like a credential (src/domain/published-config.ts).",
    }),
  })
  .openapi("Submission");

function submitRouteAt(path: string, operationId: string, summary: string) {
  return defineRoute({
    method: "post",
    path,
    operationId,
    tags: ["Publishing"],
    summary,
    description:
      "Name and tags are normalized as on workspace items (NFC, spaces collapsed, tags lower-case and de-duplicated); control, zero-width and bidi characters are refused (400 `validation_failed`). 409 `name_taken` when another marketplace item of the type has the same name or a look-alike (Unicode TR39 skeleton, case-insensitive); the problem's `existing_item` gives its `id` and `name`.",
    access: { access: "authenticated", scope: "items:submit", workspaceScoped: true, role: "editor" },
    request: { body: { required: true, content: { "application/json": { schema: SubmitBody } } } },
    responses: {
      201: { description: "Submitted, pending review", content: { "application/json": { schema: SubmissionSchema } } },
      ...problemResponses(400, 409, ...AUTH_PROBLEMS),
    },
  });
}

export const submitRoute = submitRouteAt("/api/marketplace/submit", "submitItem", "Submit a workspace agent, recipe or skill for review");
export const submitAliasRoute = submitRouteAt("/api/marketplace/items/submit", "submitItemAlias", "Alias of POST /api/marketplace/submit (the frontend's path)");

export function registerSubmit(router: Router) {
  return withRoutes(
    router,
    ...[submitRoute, submitAliasRoute].map((route) => {
      return router.openapi(route, async (c) => {
        const body = c.req.valid("json");
        const result = await submitItem(c.var.db.pool, requireWorkspace(c.var.workspace).id, c.var.principal, {
          itemId: (body.item_id ?? body.metadata?.agent_id ?? body.metadata?.recipe_id ?? body.metadata?.skill_id)!,
          itemType: body.item_type,
          name: body.name,
          description: body.description,
          category: body.category,
          tags: body.tags,
          icon: body.icon ?? body.metadata?.icon,
          version: body.version,
          changelog: body.changelog,
        });
        return c.json(result, 201);
      });
    }),
  );
}
