import { z } from "@hono/zod-openapi";
import { NextCursorField } from "../../lib/cursor";
import { PublisherActionSchema } from "../reports/schemas";
import { ITEM_TYPES } from "../../domain/item-types";
import { REVIEW_STATUSES, VERSION_STATUSES } from "../../domain/version-status";

export const ItemTypeSchema = z.enum(ITEM_TYPES);

export const VersionStatusSchema = z.enum(VERSION_STATUSES).openapi({
  description:
    "`active`; `deprecated` (listed and installable, with a notice); `yanked` (never listed, offered or installed by default; copies keep working); `quarantined` and `revoked` (taken down by a platform admin: hidden from everyone but admins).",
});

export const ReplacementSchema = z
  .uuid()
  .nullable()
  .openapi({
    description: "The id of the item the publisher names to move to (deprecated and yanked versions only); null when none was named or it is no longer visible in the catalog.",
  });

export const DeprecationSchema = z
  .object({ message: z.string(), replacement: ReplacementSchema })
  .nullable()
  .openapi({ description: "Only for a deprecated version: the publisher's message and the replacement item, if any; else null." });

export const StatusMessageSchema = z
  .string()
  .nullable()
  .openapi({ description: "The publisher's message for a deprecated or yanked version; null otherwise (a takedown's reason is never shown)." });

const ToolRefSchema = z.object({ name: z.string(), display_name: z.string(), icon: z.string().nullable() });

export const CatalogItemSchema = z
  .object({
    id: z.uuid(),
    type: ItemTypeSchema,
    name: z.string(),
    description: z.string(),
    creator_name: z.string().openapi({ description: "The publisher workspace's display name." }),
    icon: z.string().nullable(),
    category: z.string().nullable(),
    category_id: z.uuid().nullable(),
    tags: z.array(z.string()),
    install_count: z.number().int(),
    is_featured: z.boolean(),
    is_approved: z.boolean().openapi({ description: "Always true for non-admins; admins also see pending items." }),
    version: z.string().openapi({
      description:
        "The listed version (the highest approved stable version with status active or deprecated, by semver precedence, else such a pre-release); when `installable` is false, the highest yanked version, shown for reference only.",
    }),
    listed_version: z.string().nullable().openapi({ description: "The listed version, what install takes by default; null when no version is installable." }),
    installable: z.boolean().openapi({
      description: "Whether a listed version exists. False when every approved version is yanked: the item stays visible, and install answers 409 `no_installable_version`.",
    }),
    listed_prerelease: z.boolean().openapi({ description: "True when the item has no approved stable version and lists a pre-release." }),
    created_at: z.string(),
    updated_at: z.string(),
    metadata: z.record(z.string(), z.unknown()).openapi({ description: "The published, per-type configuration." }),
    tools: z.array(ToolRefSchema).optional().openapi({ description: "Agents: up to three tools, with names and icons." }),
  })
  .openapi("CatalogItem");

export const CatalogListSchema = z
  .object({
    items: z.array(CatalogItemSchema),
    total: z.number().int(),
    total_exact: z.boolean().openapi({ description: "False when more than 10,000 items match and `total` is an estimate." }),
    limit: z.number().int(),
    offset: z.number().int().optional().openapi({ description: "The offset asked for (0 by default); absent on a cursor page." }),
    next_cursor: NextCursorField,
  })
  .openapi("CatalogList");

export const CatalogItemDetailSchema = CatalogItemSchema.extend({
  dependencies: z.record(z.string(), z.unknown()).openapi({
    description: "Agents: `tools`, `skills`, `model`. Recipes: `required_tools`, `recommended_agents`.",
  }),
  versions: z
    .array(
      z.object({
        version: z.string(),
        prerelease: z.boolean().openapi({ description: "A pre-release: installable by naming it, listed only when no stable version exists." }),
        changelog: z.string().nullable(),
        created_at: z.string(),
        status: VersionStatusSchema,
        status_message: StatusMessageSchema,
        replacement: ReplacementSchema,
        deprecation: DeprecationSchema,
        lifecycle: z.enum(VERSION_STATUSES).openapi({ deprecated: true, description: "Deprecated alias of `status`, kept for v1 readers." }),
        review_status: z.enum(REVIEW_STATUSES).optional().openapi({ description: "Admins only." }),
      }),
    )
    .openapi({
      description:
        "Approved versions with status active, deprecated or yanked, highest semver precedence first. Admins see every version, pending, rejected, quarantined and revoked ones included.",
    }),
  moderation_actions: z.array(PublisherActionSchema).optional().openapi({
    description: "Only with `include=moderation` (the publisher's own view): platform actions on the item's versions after reports (issue 29), newest first, with notes and appeals; never who reported.",
  }),
  installed: z
    .object({
      version: z.string(),
      version_status: VersionStatusSchema.openapi({ description: "The status of the installed version (reported even when quarantined or revoked)." }),
      clone_id: z.uuid().nullable(),
      installed_at: z.string(),
    })
    .nullable()
    .optional()
    .openapi({ description: "Only when a workspace is named (X-Workspace-ID): that workspace's live install of the item, or null." }),
}).openapi("CatalogItemDetail");

export const NOT_MODIFIED = { 304: { description: "Not modified (If-None-Match matched the ETag)" } } as const;

export const CATALOG_ACCESS = { access: "authenticated", scope: "catalog:read", workspaceScoped: false, cachedCatalogRead: true } as const;

/** The fields every view of a submission shares (services/publishing.ts `submissionSummary`). */
export const SubmissionSummarySchema = z.object({
  submission_id: z.uuid(),
  item_id: z.uuid(),
  type: z.string(),
  name: z.string(),
  version: z.string(),
  changelog: z.string().nullable(),
  submitted_at: z.string(),
});
