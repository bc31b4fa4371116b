import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../../env";
import type { PluginDeps } from "../../../services/plugins/moderation";

/** Plugin upload and moderation need a platform-admin user, never an API key (design.md §12). */
export const ADMIN = { access: "admin" } as const;
export const PluginIdParam = z.object({ plugin_id: z.uuid() });

export const SeverityCountsSchema = z.object({
  critical: z.number().int(),
  high: z.number().int(),
  medium: z.number().int(),
  low: z.number().int(),
});

export const FindingSchema = z
  .object({
    rule_id: z.string(),
    severity: z.enum(["critical", "high", "medium", "low"]),
    file: z.string(),
    line: z.number().int().openapi({ description: "1-based; 0 for a finding about the whole file" }),
    message: z.string(),
    excerpt: z.string(),
  })
  .openapi("PluginFinding");

export function pluginDeps(c: Context<AppEnv>): PluginDeps {
  return { db: c.var.db.pool, cache: c.var.cache, bucket: c.var.storage.bucket, actor: c.var.actor, requestId: c.var.requestId };
}
