import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import type { ModerationDeps } from "../../services/moderation";

export const ADMIN = { access: "admin" } as const;
export const ItemIdParam = z.object({ id: z.uuid() });

export function moderationDeps(c: Context<AppEnv>): ModerationDeps {
  return { db: c.var.db.pool, cache: c.var.cache, actor: c.var.actor, requestId: c.var.requestId };
}
