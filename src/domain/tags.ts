import { z } from "@hono/zod-openapi";
import { cleanText, codePoints, forbiddenCharacter, forbiddenMessage, hasVisibleCharacter, normalizeText } from "./text";

export const TAG_MAX_LENGTH = 50;
export const TAGS_MAX = 20;

/** Lower-case, then NFC with spaces collapsed (lower-casing can decompose, so it goes first). */
export function normalizeTag(tag: string): string {
  return normalizeText(tag.toLowerCase());
}

function tagProblem(tag: string): string | undefined {
  if (forbiddenCharacter(tag)) return forbiddenMessage(tag);
  // The catalog's `tags` filter is comma-separated: a tag with a comma could never be matched.
  if (tag.includes(",")) return "must not contain a comma";
  if (!hasVisibleCharacter(tag)) return "must contain a visible character";
  if (codePoints(tag) > TAG_MAX_LENGTH) return `must be at most ${TAG_MAX_LENGTH} characters`;
  return undefined;
}

/** One tag: normalized (see `normalizeTag`); refused with a comma, an invisible character or over 50 characters. */
export const TagSchema = z
  .string()
  .overwrite(normalizeTag)
  .superRefine((tag, ctx) => {
    const problem = tagProblem(tag);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi({ minLength: 1, maxLength: TAG_MAX_LENGTH });

/**
 * An item's tags as every route accepts them (workspace items create/update, submit; issue 9 item 4):
 * each tag normalized by `TagSchema`, duplicates after normalization dropped (first wins, order kept),
 * then at most 20. Stored lower-case, so the catalog's tag filter matches case-insensitively.
 */
export const TagsSchema = z
  .array(TagSchema)
  .overwrite((tags) => [...new Set(tags)])
  .max(TAGS_MAX)
  .openapi({
    maxItems: TAGS_MAX,
    description: `Up to ${TAGS_MAX} tags of up to ${TAG_MAX_LENGTH} characters; stored lower-case, NFC, spaces collapsed, duplicates removed. Commas and invisible characters are refused.`,
  });

/**
 * For rows written before these rules (the backfill): tags holding commas are split at them, forbidden
 * characters become spaces, then normalize, drop empty and over-long tags' tails (truncated to 50),
 * de-duplicate and keep the first 20. Non-string entries are dropped.
 */
export function cleanTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) return [];
  const out: string[] = [];
  for (const raw of tags) {
    if (typeof raw !== "string") continue;
    for (const part of raw.split(",")) {
      const tag = [...normalizeTag(cleanText(part))].slice(0, TAG_MAX_LENGTH).join("").trim();
      if (tag && hasVisibleCharacter(tag) && !out.includes(tag)) out.push(tag);
    }
  }
  return out.slice(0, TAGS_MAX);
}
