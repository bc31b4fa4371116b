import { z } from "@hono/zod-openapi";
import { WORKSPACE_ROLE } from "../workspaces/schemas";

export const InvitationSchema = z
  .object({
    id: z.uuid(),
    workspace: z.object({ id: z.uuid(), name: z.string() }),
    role: WORKSPACE_ROLE,
    created_at: z.string(),
  })
  .openapi("Invitation");
