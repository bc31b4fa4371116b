import { z } from "@hono/zod-openapi";
import type { RouteAccess } from "../../lib/access";

export const TAG = "Agent plugins" as const;
export const READ_ACCESS = { access: "authenticated", scope: "items:read", workspaceScoped: true, role: "viewer" } as const satisfies RouteAccess;
/** Reference §2.5: `agents:update`, i.e. editor and above. */
export const WRITE_ACCESS = { access: "authenticated", scope: "items:write", workspaceScoped: true, role: "editor" } as const satisfies RouteAccess;

export const AgentParam = z.object({ agent_id: z.uuid() });

export const AssignedPluginSchema = z
  .object({
    plugin_id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    is_active: z.boolean(),
    priority: z.number().int().openapi({ description: "0 is first; lower is more important." }),
    assigned_at: z.string(),
  })
  .openapi("AssignedPlugin");

export const ReplaceBody = z
  .object({ plugin_ids: z.array(z.uuid()).max(100).openapi({ description: "In priority order; duplicates are dropped (first kept); [] clears." }) })
  .openapi("ReplaceAgentPluginsRequest");
