import { z } from "@hono/zod-openapi";
import { codePoints, forbiddenCharacter, forbiddenMessage, hasVisibleCharacter, normalizeText } from "./text";

/**
 * A category named by the caller (submit's `category`, the catalog's `category` filter): a slug or a
 * category name, normalized like names (NFC, spaces collapsed, trimmed) and refused with control,
 * format or bidi characters (issue 9 item 3), 1–100 characters. Failures are 400 `validation_failed`.
 */
export const CategoryRefSchema = z
  .string()
  .overwrite(normalizeText)
  .superRefine((ref, ctx) => {
    if (forbiddenCharacter(ref)) ctx.addIssue({ code: "custom", message: forbiddenMessage(ref) });
    else if (!hasVisibleCharacter(ref)) ctx.addIssue({ code: "custom", message: "must contain a visible character" });
    else if (codePoints(ref) > 100) ctx.addIssue({ code: "custom", message: "must be at most 100 characters" });
  })
  .openapi({ minLength: 1, maxLength: 100, description: "A category slug or name." });
