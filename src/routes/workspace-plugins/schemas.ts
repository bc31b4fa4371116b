import { z } from "@hono/zod-openapi";
import type { RouteAccess } from "../../lib/access";

/** Workspace admins and owners, or keys with `plugins:enable` (issue 15 item 2). */
export const ENABLE_ACCESS = { access: "authenticated", scope: "plugins:enable", workspaceScoped: true, role: "admin" } as const satisfies RouteAccess;
export const TAG = "Workspace plugins" as const;

export const WorkspaceParam = z.object({ workspace_id: z.uuid() });
export const WorkspacePluginParams = z.object({ workspace_id: z.uuid(), plugin_id: z.uuid() });

export const EnableBody = z.object({ plugin_id: z.uuid() }).openapi("EnablePluginRequest");

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
    update_available: z
      .object({ version: z.string(), version_id: z.uuid(), changelog: z.string().nullable() })
      .nullable()
      .openapi({ description: "A newer approved version than the pin; POST …/update moves the pin to it." }),
  })
  .openapi("EnabledPlugin");
