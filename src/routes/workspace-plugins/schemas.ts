import { z } from "@hono/zod-openapi";
import { VERSION_STATUSES } from "../../domain/version-status";
import type { RouteAccess } from "../../lib/access";

/** Workspace admins and owners, or keys with `plugins:enable` (issue 15 item 2). */
export const ENABLE_ACCESS = { access: "authenticated", scope: "plugins:enable", workspaceScoped: true, role: "admin" } as const satisfies RouteAccess;
export const TAG = "Workspace plugins" as const;

export const WorkspaceParam = z.object({ workspace_id: z.uuid() });
export const WorkspacePluginParams = z.object({ workspace_id: z.uuid(), plugin_id: z.uuid() });

const AcceptPermissions = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be a permissions_hash: 64 lower-case hex digits")
  .optional()
  .openapi({
    description:
      "The `permissions_hash` of the version being pinned, shown to and accepted by the user (design.md §42). Needed when that version asks for more than the workspace accepted (on enable: for any permission); a hash that is sent must match.",
  });

export const EnableBody = z.object({ plugin_id: z.uuid(), accept_permissions: AcceptPermissions }).openapi("EnablePluginRequest");

/** The canonical permission manifest (design.md §42). */
export const PermissionsSchema = z
  .object({
    environment: z.array(z.string()).openapi({ description: "Environment variable names the content reads." }),
    files: z.enum(["none", "read", "write"]),
    network: z.array(z.string()).openapi({ description: "Host names (IDNA A-labels, lower case) the content talks to." }),
    shell: z.boolean(),
    tools: z.array(z.string()).openapi({ description: "Tool catalog slugs the content calls." }),
  })
  .openapi("PluginPermissions");

const PermissionDelta = z.object({
  environment: z.array(z.string()),
  network: z.array(z.string()),
  tools: z.array(z.string()),
  shell: z.boolean().openapi({ description: "Shell access gained (added) or lost (removed)." }),
  files: z.enum(["none", "read", "write"]).nullable().openapi({ description: "The new level when file access rose (added), the old one when it fell (removed); else null." }),
});

export const PermissionChangesSchema = z.object({ added: PermissionDelta, removed: PermissionDelta }).openapi("PermissionChanges");

export const UpdatePinBody = z
  .object({
    version: z
      .string()
      .max(100)
      .optional()
      .openapi({ description: "The version to move to: the row's `update` or its `safe_version`. Default: the `update`." }),
    accept_permissions: AcceptPermissions,
  })
  .openapi("UpdatePluginPinRequest");

const VersionField = z.string().nullable();

export const EnabledPluginSchema = z
  .object({
    plugin_id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    version: z.string().openapi({ description: "The pinned version: what this workspace's agents get." }),
    version_id: z.uuid(),
    is_active: z.boolean(),
    skills_count: z.number().int(),
    commands_count: z.number().int(),
    token_estimate: z.number().int(),
    enable_count: z.number().int(),
    security_status: z.string(),
    enabled_at: z.string(),
    version_status: z.enum(VERSION_STATUSES).openapi({
      description:
        "The pinned version's status. `yanked`: it keeps working, but move to `safe_version`. `quarantined`: an admin took it down; it is left out of assembled contexts and its content answers 403 `version_quarantined` until released (a revoke removes the enablement instead).",
    }),
    status_message: z
      .string()
      .nullable()
      .openapi({ description: "The deprecation or yank notice of the pinned version; null otherwise (a quarantine reason is never shown)." }),
    update: VersionField.openapi({ description: "The version POST …/update moves the pin to: the highest approved version above the pin that is active or deprecated; null when none." }),
    update_available: z.boolean().openapi({ description: "`update` is not null. A newer approval never reaches the workspace by itself (design.md §8)." }),
    latest_version: z.string().openapi({ description: "`update`, else the pinned version (never lower than the pin)." }),
    listed_version: VersionField.openapi({ description: "The plugin's listed version; null when it has none." }),
    safe_version: VersionField.openapi({
      description: "The nearest version safe to use: the pin itself when active or deprecated, else `update`, else the listed version (possibly lower: a downgrade is the fix), else null.",
    }),
    permissions: PermissionsSchema.openapi({ description: "The permissions this workspace accepted for the plugin (design.md §42)." }),
    permissions_hash: z.string().openapi({ description: "SHA-256 (hex) of the canonical JSON of `permissions`." }),
    permission_changes: PermissionChangesSchema.nullable().openapi({
      description: "What the offered `update` adds and removes against the accepted permissions; null when there is no update or it asks for the same.",
    }),
    update_requires_consent: z.boolean().openapi({
      description: "True when the offered `update` asks for more than was accepted: POST …/update then needs `accept_permissions` = `update_details.permissions_hash`.",
    }),
    update_details: z
      .object({ version: z.string(), version_id: z.uuid(), changelog: z.string().nullable(), permissions: PermissionsSchema, permissions_hash: z.string() })
      .nullable()
      .openapi({ description: "The offered `update` with its id, changelog and permissions; null when none." }),
  })
  .openapi("EnabledPlugin");
