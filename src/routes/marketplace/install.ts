import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import type { Router } from "../../lib/router";
import { requireWorkspace } from "../../services/auth/principal";
import { idempotent } from "../../services/idempotency";
import { installItem } from "../../services/installs";
import { INSTALL_ACCESS, InstallResultSchema, MarketplaceItemIdParam, VersionField } from "./install-schemas";

const InstallBody = z.object({
  version: VersionField.optional().openapi({
    description: "An approved version to install (pre-releases and deprecated versions included; never a yanked one); default: the listed version.",
  }),
});

export const installRoute = defineRoute({
  method: "post",
  path: "/api/marketplace/items/{id}/install",
  operationId: "installItem",
  tags: ["Installs"],
  summary: "Install (clone) a marketplace item into the workspace",
  description: [
    "Clones the item's listed version (the highest approved stable version with status active or deprecated, else such a pre-release) — or, with `{\"version\"}`, that approved version, pre-releases included — into the workspace, in one transaction:",
    "the copy is owned by the workspace, `cloned_from_id` is the marketplace item, and it carries the published configuration of that version as stored at submit (never the marketplace row's other fields).",
    "A taken name becomes `<name>-copy`, then `-copy-2`, … (case-insensitive). Agents link the version's marketplace skills; tool assignments are not copied: `tools_to_reconnect` lists them with names and icons.",
    "Recipes list their recommended agents (not installed). Skills and LLM entries install like any item; tools are not installable (400 `not_installable`).",
    "`install_count` grows by one in the same transaction when the workspace never installed the item before: it counts workspaces that ever installed it (a re-install after uninstall adds nothing) and never goes down.",
    "A deprecated version installs, and the answer carries its `deprecation` notice (`{message, replacement}`).",
    "409 `already_installed` when the workspace has a live copy (decided by the database's partial unique index, also for concurrent requests); 404 `item_not_found` for an unknown, unapproved, removed or taken-down item;",
    "404 `version_not_found` for a version that is not approved, or that is quarantined or revoked; 409 `version_yanked` for a yanked version, with the publisher's `message`, the `replacement` item id and the `listed_version` to take instead in the problem body;",
    "409 `no_installable_version` without a version when every approved version is yanked.",
    "Optional `Idempotency-Key` (1–255 characters, remembered 24 h per workspace): a retry with the same key and request gets the first 201 again (header `Idempotent-Replayed: true`);",
    "the same key with another request is 422 `idempotency_key_reused`; while the first is still running, 409 `idempotency_in_progress` with Retry-After. Failed requests are not remembered.",
  ].join(" "),
  access: INSTALL_ACCESS,
  request: {
    params: MarketplaceItemIdParam,
    headers: z.object({ "idempotency-key": z.string().min(1).max(255).optional() }),
    body: { required: false, content: { "application/json": { schema: InstallBody } } },
  },
  responses: {
    201: { description: "Installed", content: { "application/json": { schema: InstallResultSchema } } },
    ...problemResponses(400, 409, 422, ...AUTH_PROBLEMS),
  },
});

export function registerInstall(router: Router) {
  return router.openapi(installRoute, async (c) => {
    const { id } = c.req.valid("param");
    const version = (c.req.valid("json") ?? {}).version;
    const key = c.req.valid("header")["idempotency-key"];
    const ctx = { workspaceId: requireWorkspace(c.var.workspace).id, actor: c.var.actor };
    const db = c.var.db.pool;
    if (!key) return c.json(await installItem(db, ctx, id, { version }), 201);

    const outcome = await idempotent(db, { workspaceId: ctx.workspaceId, key, request: { route: "install", id, version: version ?? null } }, async (record) => {
      const result = await installItem(db, ctx, id, { version, beforeCommit: (tx, body) => record(tx, { status: 201, body }) });
      return { status: 201, body: result };
    });
    if (outcome.replayed) c.header("Idempotent-Replayed", "true");
    return c.json(outcome.body as z.infer<typeof InstallResultSchema>, 201);
  });
}
