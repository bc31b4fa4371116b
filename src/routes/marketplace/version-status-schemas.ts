import { z } from "@hono/zod-openapi";
import { STATUS_MESSAGE_MAX, statusMessageRefusal, VERSION_STATUSES } from "../../domain/version-status";
import { VersionField } from "./install-schemas";

export const VersionStatusSchema = z.enum(VERSION_STATUSES);

/** The body of a version-status PATCH, items and plugins alike (design.md §33). */
export const VersionStatusChangeBody = z
  .object({
    status: VersionStatusSchema.openapi({
      description:
        "`active` (also: un-yank, un-deprecate, and an admin's release of a quarantined version), `deprecated`, `yanked`; platform admins also `quarantined` and `revoked` (final).",
    }),
    message: z
      .string()
      .max(STATUS_MESSAGE_MAX)
      .superRefine((message, ctx) => {
        const refusal = statusMessageRefusal(message);
        if (refusal) ctx.addIssue({ code: "custom", message: refusal });
      })
      .nullable()
      .optional()
      .openapi({
        description:
          "Required (non-blank) for `deprecated` and `yanked` (shown to users) and for `quarantined` and `revoked` (the reason, shown to admins only); up to 2000 characters on one line, with no control, zero-width or bidirectional characters (400 `validation_failed`); stored NFC with runs of spaces collapsed, trimmed.",
      }),
    replacement_item_id: z
      .uuid()
      .nullable()
      .optional()
      .openapi({ description: "Only with `deprecated` or `yanked`: another visible marketplace item of the same type that users should move to." }),
  })
  .openapi("VersionStatusChange");

export const VersionParam = z.object({ version: VersionField.openapi({ description: "The version's semantic version number, as approved (e.g. `1.2.0`)." }) });

/** The fields both PATCH answers share (services/version-status.ts). */
export const versionStatusResultFields = {
  version: z.string(),
  status: VersionStatusSchema,
  previous_status: VersionStatusSchema,
  message: z.string().nullable().openapi({ description: "The message (or, for `quarantined` and `revoked`, the reason) now stored; null for `active`." }),
  listed_version: z.string().nullable().openapi({ description: "The listed version after the change (the highest approved stable version that is active or deprecated); null when none is left." }),
  installable: z.boolean().openapi({ description: "Whether a listed version exists: false when no version can be installed by default." }),
};
