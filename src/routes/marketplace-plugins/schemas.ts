import { PermissionsSchema } from "../workspace-plugins/schemas";
import { z } from "@hono/zod-openapi";
import { NextCursorField } from "../../lib/cursor";
import { REVIEW_STATUSES, VERSION_STATUSES } from "../../domain/version-status";

/** The plugin marketplace's OpenAPI tag. */
export const PLUGINS_TAG = "Plugins" as const;

export const PluginIdParam = z.object({ id: z.uuid().openapi({ description: "The plugin's id" }) });

const ApprovalStatusSchema = z.enum(REVIEW_STATUSES);

export const PluginSummarySchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    version: z.string().nullable().openapi({
      description:
        "The listed version: the highest approved stable version whose status is active or deprecated, else the highest such pre-release (design.md §34). When every approved version is yanked: the highest yanked one (and `installable` is false). Admins: the newest upload while none of these exists.",
    }),
    category_id: z.uuid().nullable(),
    category_name: z.string().nullable(),
    tags: z.array(z.string()),
    skills_count: z.number().int(),
    commands_count: z.number().int(),
    agents_count: z.number().int(),
    hooks_count: z.number().int(),
    tools_count: z.number().int(),
    token_estimate: z.number().int().openapi({ description: "The manifest's estimate of the plugin's content, in tokens." }),
    enable_count: z.number().int().openapi({ description: "Workspaces that enabled the plugin." }),
    is_featured: z.boolean(),
    is_active: z.boolean().openapi({ description: "Always true for non-admins." }),
    installable: z.boolean().openapi({
      description: "The plugin is active and has a listed version, so a workspace can enable it. False when every approved version is yanked (or, for admins, quarantined or revoked).",
    }),
    approval_status: ApprovalStatusSchema.openapi({
      description: "Derived from the versions: `approved` once one is approved, else `pending` while one awaits review, else `rejected`. Always `approved` for non-admins.",
    }),
    security_status: z.string().nullable().openapi({ description: "The listed version's scan verdict: safe | review_required (| pending, blocked for admins)." }),
    original_author: z.string().nullable(),
    license: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("PluginSummary");

export const PluginListSchema = z
  .object({
    items: z.array(PluginSummarySchema),
    total: z.number().int(),
    total_exact: z.boolean().openapi({ description: "False when more than 10,000 plugins match and `total` is an estimate." }),
    limit: z.number().int(),
    offset: z.number().int().optional().openapi({ description: "The offset asked for (0 by default); absent on a cursor page." }),
    next_cursor: NextCursorField,
  })
  .openapi("PluginList");

const ContentEntrySchema = z.object({
  name: z.string().openapi({ description: "The manifest's name, else derived from the file name (`skills/pr-review/SKILL.md` → `Pr Review`)." }),
  description: z.string().nullable(),
  path: z.string().nullable().openapi({ description: "The file or folder in the bundle." }),
});

export const PluginDetailSchema = PluginSummarySchema.extend({
  long_description: z.string().nullable(),
  recommended_models: z.array(z.string()),
  source_type: z.string(),
  source_url: z.string().nullable(),
  manifest: z.record(z.string(), z.unknown()).nullable().openapi({ description: "The listed version's manifest.json, as validated at upload." }),
  permissions: PermissionsSchema.nullable().openapi({
    description: "The listed version's canonical permission manifest (design.md §42): what enabling it asks the workspace to accept. Null when no version is shown.",
  }),
  permissions_hash: z.string().nullable().openapi({ description: "Lower-case hex SHA-256 of `JSON.stringify(permissions)`; send it as `accept_permissions` to enable." }),
  skills: z.array(ContentEntrySchema),
  commands: z.array(ContentEntrySchema),
  agents: z.array(ContentEntrySchema),
  tools: z.array(ContentEntrySchema),
  versions: z
    .array(
      z.object({
        version: z.string(),
        prerelease: z.boolean(),
        changelog: z.string().nullable(),
        permissions: PermissionsSchema,
        permissions_hash: z.string(),
        status: z.enum(VERSION_STATUSES).openapi({
          description:
            "active | deprecated (still listed, with a notice) | yanked (never listed or offered; enabled copies keep working) | quarantined | revoked (admins only: non-admins never see such a version).",
        }),
        status_message: z
          .string()
          .nullable()
          .openapi({ description: "The deprecation or yank notice; null for every other status (a quarantine or revoke reason is never shown)." }),
        lifecycle: z.enum(VERSION_STATUSES).openapi({ deprecated: true, description: "Deprecated alias of `status`." }),
        created_at: z.string(),
        approved_at: z.string().nullable(),
        approval_status: ApprovalStatusSchema.optional().openapi({ description: "Admins only." }),
        security_status: z.string().optional().openapi({ description: "Admins only." }),
      }),
    )
    .openapi({
      description: "Approved versions that are active, deprecated or yanked (admins: every version, quarantined and revoked included), highest semver precedence first.",
    }),
  scan: z
    .object({
      version: z.string().nullable(),
      verdict: z.enum(["safe", "review_required", "blocked"]),
      scanned_at: z.string(),
      findings: z.object({ total: z.number().int(), by_severity: z.record(z.string(), z.number().int()) }),
    })
    .nullable()
    .openapi({ description: "The newest security scan of the listed version." }),
}).openapi("PluginDetail");

export const PluginCategorySchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    icon: z.string().nullable(),
    sort_order: z.number().int(),
    parent_id: z.uuid().nullable(),
    plugin_count: z.number().int().openapi({ description: "Plugins visible to non-admins in this category (active, with an approved version that is active, deprecated or yanked)." }),
  })
  .openapi("PluginCategory");
