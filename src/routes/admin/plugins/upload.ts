import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../../lib/openapi";
import { ApiError } from "../../../lib/errors";
import { defineRoute } from "../../../lib/route";
import type { Router } from "../../../lib/router";
import { uploadPlugin } from "../../../services/plugins/upload";
import { PermissionsSchema } from "../../workspace-plugins/schemas";
import { ADMIN, pluginDeps, SeverityCountsSchema } from "./schemas";

/** The whole multipart body, enforced while it streams in (hono/body-limit), never after buffering. */
export const PLUGIN_UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024;

const UploadResultSchema = z
  .object({
    plugin_id: z.uuid(),
    version_id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    version: z.string(),
    new_plugin: z.boolean().openapi({ description: "false when this is a new version of an existing slug" }),
    security_status: z.enum(["safe", "review_required"]),
    approval_status: z.literal("pending"),
    bundle_sha256: z.string().openapi({ description: "SHA-256 (hex) of the uploaded zip" }),
    file_count: z.number().int(),
    findings: z.object({ total: z.number().int(), by_severity: SeverityCountsSchema, rules_hit: z.array(z.string()) }),
    permissions: PermissionsSchema.openapi({ description: "The manifest's permissions in canonical form (design.md §42)." }),
    permissions_hash: z.string().openapi({ description: "SHA-256 (hex) of the canonical JSON of `permissions`: what enabling asks a workspace to accept." }),
  })
  .openapi("PluginUploadResult");

export const uploadRoute = defineRoute({
  method: "post",
  path: "/api/admin/plugins/upload",
  operationId: "uploadPlugin",
  tags: ["Plugins (admin)"],
  summary: "Upload a plugin bundle (zip): validated, scanned, stored in R2, pending review",
  description: [
    "Multipart body with a `file` field holding a zip archive; the whole body may be at most 10 MiB (413 `payload_too_large`).",
    "The archive: at most 500 entries, each file and the total at most 10 MiB inflated, compression ratio at most 100",
    "(`zip_bomb`, counted while inflating, whatever the headers declare), no absolute, `..`, backslash or drive-letter paths",
    "(`zip_unsafe_path`, also for a name whose object key `plugins/{slug}/{version}/<name>` passes 1,024 UTF-8 bytes, R2's limit), no symlinks (`zip_symlink`), no duplicate paths (`zip_duplicate_path`), otherwise `zip_invalid`.",
    "`manifest.json` at the root (`manifest_missing`), valid (`manifest_invalid` with field errors).",
    "Its `name` follows the rules of item names (NFC, spaces collapsed, 1–200 characters, no control, line-break, zero-width, bidi or other invisible characters),",
    "`tags` those of item tags (stored lower-case, de-duplicated; commas and invisible characters refused), and its other text refuses the same characters",
    "(descriptions and changelog keep line breaks): `manifest_invalid` naming the field. A name that another plugin holds or looks like",
    "(Unicode TR39 skeleton, case-insensitive) answers 409 `name_taken` with `existing_plugin: {id, name}`.",
    "Every file must be listed by the manifest (a `contents` path, or under a listed folder), except `manifest.json`, `README.md` and `LICENSE`: anything else is 400 `manifest_unlisted_file` naming each file in `errors`, so what reviewers see is what agents get. Files the scan could not read whole are 400 `file_too_large_to_scan` naming each: over 1 MiB, or past 2 MiB in all (images and PDFs aside).",
    "`permissions` (optional; absent means none): `network` (host names, IDNA A-labels, no port, path, wildcard or IP), `environment` (variable names), `shell` (boolean), `files` (`none` | `read` | `write`), `tools` (tool catalog slugs; an unknown one is `manifest_invalid`). Content that uses a capability the manifest does not declare is a `high` finding `undeclared_capability` naming it, file and line.",
    "Every file is scanned (after normalisation: NFKC, invisible characters removed, confusables folded, continuations joined, escapes, base64 and hex decoded), by the rules of engine `SCANNER_ENGINE_VERSION`; a `blocked` verdict (any critical finding, or a scanner failure) is refused with 400 `plugin_blocked` listing the findings.",
    "An existing slug and version answers 409 `version_exists` before anything is written. Refusals store nothing.",
    "Storage failure: 503 `storage_unavailable`, nothing in the database.",
  ].join(" "),
  access: ADMIN,
  bodyLimitBytes: PLUGIN_UPLOAD_LIMIT_BYTES,
  request: {
    body: {
      required: true,
      content: { "multipart/form-data": { schema: z.object({ file: z.any().openapi({ type: "string", format: "binary" }) }) } },
    },
  },
  responses: {
    201: { description: "Stored as a pending version", content: { "application/json": { schema: UploadResultSchema } } },
    ...problemResponses(400, 409, 413, 503, ...AUTH_PROBLEMS),
  },
});

export function registerUpload(router: Router) {
  return router.openapi(uploadRoute, async (c) => {
    const file = c.req.valid("form").file as unknown;
    if (!(file instanceof File)) throw new ApiError(400, "file_missing", "Send the zip archive as the multipart field `file`.");
    const bytes = new Uint8Array(await file.arrayBuffer());
    return c.json(await uploadPlugin(pluginDeps(c), bytes), 201);
  });
}
