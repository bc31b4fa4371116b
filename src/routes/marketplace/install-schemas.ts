import { z } from "@hono/zod-openapi";
import { SEMVER_PATTERN } from "../../domain/version-pattern";
import { isSemver } from "../../domain/semver";
import { DeprecationSchema, ItemTypeSchema, ReplacementSchema, StatusMessageSchema, VersionStatusSchema } from "./schemas";

/** Install, uninstall and update act in the caller's workspace with the editor role (issue 12). */
export const INSTALL_ACCESS = { access: "authenticated", scope: "items:install", workspaceScoped: true, role: "editor" } as const;
/** The installed list and updates are reads of the workspace. */
export const INSTALLS_READ_ACCESS = { access: "authenticated", scope: "items:read", workspaceScoped: true, role: "viewer" } as const;

export const MarketplaceItemIdParam = z.object({ id: z.uuid() });

export const VersionField = z
  .string()
  .max(100)
  .regex(new RegExp(SEMVER_PATTERN), "must be a semantic version such as 1.2.0")
  .refine(isSemver, "must be a semantic version such as 1.2.0");

const ToolToReconnectSchema = z.object({
  name: z.string(),
  display_name: z.string(),
  icon: z.string().nullable(),
  oauth_required: z.boolean(),
});

export const InstallResultSchema = z
  .object({
    item_id: z.uuid(),
    clone_id: z.uuid().openapi({ description: "The workspace copy (an item of the same type)." }),
    type: ItemTypeSchema,
    name: z.string().openapi({ description: "The copy's name: the item's, or `<name>-copy`, `-copy-2`, … when taken." }),
    version: z.string(),
    prerelease: z.boolean(),
    version_status: VersionStatusSchema.openapi({ description: "`active` or `deprecated`: nothing else is installed." }),
    deprecation: DeprecationSchema,
    installed_at: z.string(),
    skills: z.array(z.object({ id: z.uuid(), name: z.string() })).optional().openapi({ description: "Agents: the marketplace skills linked." }),
    tools_to_reconnect: z.array(ToolToReconnectSchema).optional().openapi({
      description: "Agents: tool assignments are not copied; connect these in the workspace.",
    }),
    recommended_agents: z
      .array(z.object({ id: z.uuid(), name: z.string(), description: z.string() }))
      .optional()
      .openapi({ description: "Recipes: agents the recipe recommends; install them separately." }),
    warnings: z.array(z.string()),
  })
  .openapi("InstallResult");

/** The installed version's status and the update fields (design.md §35, §39, §52), shared by the installed list and /updates. */
const installStatusFields = {
  installed_version: z.string(),
  version_status: VersionStatusSchema.openapi({
    description: "The installed version's status now: a copy keeps working when it is yanked; `quarantined` and `revoked` mean a platform admin took it down.",
  }),
  status_message: StatusMessageSchema,
  replacement: ReplacementSchema,
  deprecation: DeprecationSchema,
  update: z.string().nullable().openapi({
    description: "The version offered as an update: the highest approved version with status active or deprecated newer than the installed one (stable, or of the installed pre-release's line); never yanked, quarantined or revoked; null when none.",
  }),
  update_available: z.boolean().openapi({ description: "Whether `update` is not null." }),
  latest_version: z.string().openapi({ description: "`update` when there is one, else the installed version; never lower than the installed version." }),
  listed_version: z.string().nullable().openapi({ description: "The item's listed version (what a new install takes); null when none is installable or the item was removed." }),
  safe_version: z.string().nullable().openapi({
    description:
      "The version to be on: the installed version itself when active or deprecated; else `update`, else the listed version (possibly lower than the installed one: a downgrade is the fix), else null.",
  }),
  update_deprecation: DeprecationSchema.openapi({ description: "The offered `update`'s deprecation notice, when it is deprecated; else null." }),
};

export const InstalledItemSchema = z
  .object({
    item_id: z.uuid(),
    item_name: z.string(),
    type: z.string(),
    clone_id: z.uuid().nullable(),
    clone_name: z.string().nullable(),
    ...installStatusFields,
    removed: z.boolean().openapi({ description: "The marketplace item was removed (design.md §5): no updates." }),
    installed_at: z.string(),
  })
  .openapi("InstalledItem");

export const UpdateEntrySchema = z
  .object({
    item_id: z.uuid(),
    item_name: z.string(),
    type: z.string(),
    item_type: z.string().openapi({ deprecated: true, description: "Deprecated alias of `type`, the installed list's name: kept for this version of the contract (v1), removed in v2 (design.md §52)." }),
    clone_id: z.uuid().nullable(),
    ...installStatusFields,
    current_version: z.string().openapi({ deprecated: true, description: "Deprecated alias of `installed_version`, the installed list's name: kept for this version of the contract (v1), removed in v2 (design.md §52)." }),
    removed: z.boolean().openapi({ description: "The item was removed from the marketplace: reported instead of an update." }),
    changelogs: z
      .array(z.object({ version: z.string(), changelog: z.string().nullable() }))
      .openapi({ description: "Approved versions after the installed one up to `update`, newest first (empty for a move to `safe_version` alone)." }),
  })
  .openapi("AvailableUpdate");

export const UpdateResultSchema = z
  .object({
    item_id: z.uuid(),
    clone_id: z.uuid(),
    name: z.string(),
    previous_version: z.string(),
    version: z.string(),
    version_status: VersionStatusSchema.openapi({ description: "`active` or `deprecated`: an update never moves to another status." }),
    deprecation: DeprecationSchema,
    overwritten: z.array(z.string()),
    kept: z.array(z.string()),
    tools_to_reconnect: z
      .array(z.object({ name: z.string(), display_name: z.string(), icon: z.string().nullable(), oauth_required: z.boolean() }))
      .optional()
      .openapi({ description: "Agents: tools the new version uses that the copy has not connected." }),
  })
  .openapi("UpdateResult");
