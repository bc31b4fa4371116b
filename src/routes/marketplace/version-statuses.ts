import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { VERSION_STATUS_BATCH_LIMIT, versionStatuses } from "../../services/version-status-batch";
import { VersionStatusSchema } from "./version-status-schemas";

const AskedVersion = z.string().min(1).max(100).openapi({ description: "The version held (as installed or pinned)." });

const VersionStatusesBody = z
  .object({
    items: z
      .array(z.object({ item_id: z.uuid(), version: AskedVersion }))
      .max(VERSION_STATUS_BATCH_LIMIT)
      .optional()
      .openapi({ description: "Marketplace items (agents, recipes, skills, LLM entries) and the versions held." }),
    plugins: z
      .array(z.object({ plugin_id: z.uuid(), version: AskedVersion }))
      .max(VERSION_STATUS_BATCH_LIMIT)
      .optional()
      .openapi({ description: "Plugins and the versions held." }),
  })
  .refine((b) => b.items !== undefined || b.plugins !== undefined, { message: "Give `items`, `plugins` or both." })
  .refine((b) => (b.items?.length ?? 0) + (b.plugins?.length ?? 0) <= VERSION_STATUS_BATCH_LIMIT, {
    message: `At most ${VERSION_STATUS_BATCH_LIMIT} entries in all (items and plugins together).`,
    path: ["items"],
  })
  .openapi("VersionStatusQuestion");

const verdictFields = {
  version: z.string().openapi({ description: "The version asked about, as sent." }),
  found: z
    .boolean()
    .openapi({ description: "False for an unknown or removed item, an unknown or deactivated plugin, or a version that does not exist or is not approved; every field below is then null." }),
  status: VersionStatusSchema.nullable(),
  message: z.string().nullable().openapi({ description: "The publisher's message for a deprecated or yanked version; null otherwise (a quarantine or revoke reason is never shown)." }),
  replacement: z
    .object({ item_id: z.uuid() })
    .nullable()
    .openapi({ description: "The item a deprecated or yanked version names as its replacement, when that item is visible; else null." }),
  update: z.string().nullable().openapi({
    description:
      "The update the held version is offered (design.md §39), as on GET /api/marketplace/installs, /updates and the enabled-plugins list: the highest approved active or deprecated version newer than it (stable; for a pre-release also newer pre-releases of its major.minor.patch); null when none.",
  }),
  update_available: z.boolean().openapi({ description: "Whether `update` is not null (false when not found)." }),
  latest_version: z.string().nullable().openapi({ description: "`update` when there is one, else the version held (never lower than it); null when not found." }),
  listed_version: z.string().nullable().openapi({ description: "The item's or plugin's listed version (null when none is listable)." }),
  safe_version: z.string().nullable().openapi({
    description:
      "The nearest version that is safe to hold: the version itself when active or deprecated, else the highest newer active or deprecated version, else the listed version (a downgrade), else null.",
  }),
};

const ItemVerdictSchema = z.object({ item_id: z.uuid(), ...verdictFields }).openapi("ItemVersionVerdict");
const PluginVerdictSchema = z.object({ plugin_id: z.uuid(), ...verdictFields }).openapi("PluginVersionVerdict");

export const VersionStatusesSchema = z
  .object({ results: z.array(z.union([ItemVerdictSchema, PluginVerdictSchema])).openapi({ description: "One per entry, in the order asked: items first, then plugins." }) })
  .openapi("VersionStatusAnswers");

export const versionStatusesRoute = defineRoute({
  method: "post",
  path: "/api/marketplace/versions/status",
  operationId: "checkVersionStatuses",
  tags: ["Catalog"],
  summary: "Whether the item and plugin versions a client holds are still good (batch, up to 100)",
  description: [
    `Answers, for up to ${VERSION_STATUS_BATCH_LIMIT} item and plugin versions in all, each version's status (\`active\`, \`deprecated\`, \`yanked\`, \`quarantined\`, \`revoked\`), the deprecation or yank message, the replacement item, the update fields of the installed list (\`update\`, \`update_available\`, \`latest_version\`), the listed version and the nearest safe version, one entry per question in the order asked (items first, then plugins).`,
    "An unknown entry never fails the call: it answers `found: false`. Quarantined and revoked versions are reported to whoever asks (`found: true`, the status, `message: null`): the status is a safety signal, the reason is not shown.",
    "The answer is the same for every caller and is never cached (`private, no-store`). The entries are read with at most two queries, whatever their number.",
    `Errors: 400 \`validation_failed\` (no body, neither \`items\` nor \`plugins\`, more than ${VERSION_STATUS_BATCH_LIMIT} entries in all, an id that is not a UUID, a version that is empty or longer than 100 characters).`,
  ].join(" "),
  access: { access: "authenticated", scope: "catalog:read", workspaceScoped: false },
  request: { body: { required: true, content: { "application/json": { schema: VersionStatusesBody } } } },
  responses: {
    200: { description: "One answer per entry", content: { "application/json": { schema: VersionStatusesSchema } } },
    ...problemResponses(400, ...AUTH_PROBLEMS),
  },
});

export function registerVersionStatuses(router: Router) {
  return router.openapi(versionStatusesRoute, async (c) => {
    const body = c.req.valid("json");
    const answer = await versionStatuses(c.var.db.http, { items: body.items ?? [], plugins: body.plugins ?? [] });
    c.header("Cache-Control", "private, no-store");
    return c.json(answer, 200);
  });
}
