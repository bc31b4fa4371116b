import { z } from "@hono/zod-openapi";

export const WORKSPACE_ROLE = z.enum(["owner", "admin", "editor", "viewer"]);

export const WorkspaceSchema = z
  .object({ id: z.uuid(), name: z.string(), slug: z.string(), role: WORKSPACE_ROLE, created_at: z.string() })
  .openapi("Workspace");

export const MemberSchema = z
  .object({
    user_id: z.uuid(),
    clerk_user_id: z.string(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    role: WORKSPACE_ROLE,
  })
  .openapi("WorkspaceMember");

export const WorkspaceIdParam = z.object({ workspace_id: z.uuid().openapi({ param: { name: "workspace_id", in: "path" } }) });
