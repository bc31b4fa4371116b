import { z } from "@hono/zod-openapi";
import unhomoglyph from "unhomoglyph";
import { cleanText, codePoints, forbiddenCharacter, forbiddenMessage, hasVisibleCharacter, normalizeText, withoutVariationSelectors } from "./text";

export const NAME_MAX = 200;

/**
 * `name` with the suffix ` (n)`, cut so the whole stays within NAME_MAX code points: how a
 * backfill renames the younger of two names that now clash (the oldest keeps its name).
 */
export function nameWithSuffix(name: string, n: number): string {
  const suffix = ` (${n})`;
  return [...name].slice(0, NAME_MAX - suffix.length).join("").trimEnd() + suffix;
}

/**
 * An item name as every route accepts it (workspace items create/update, submit): NFC, runs of
 * Unicode spaces collapsed to one space and trimmed (src/domain/text.ts), 1–200 code points, at least
 * one visible character, and no control, format, bidi or other invisible character (issue 9 item 3).
 * Failures are 400 `validation_failed` naming the field.
 */
export const NameSchema = z
  .string()
  .overwrite(normalizeText)
  .superRefine((name, ctx) => {
    if (forbiddenCharacter(name)) ctx.addIssue({ code: "custom", message: forbiddenMessage(name) });
    else if (!hasVisibleCharacter(name)) ctx.addIssue({ code: "custom", message: "must contain a visible character" });
    else if (codePoints(name) > NAME_MAX) ctx.addIssue({ code: "custom", message: `must be at most ${NAME_MAX} characters` });
  })
  .openapi({
    minLength: 1,
    maxLength: NAME_MAX,
    description:
      "Stored NFC-normalized with runs of spaces collapsed to one. Control, zero-width, bidi and other invisible characters are refused. Marketplace names are unique per type by look-alike skeleton (Unicode TR39) and case.",
  });

/**
 * The key on which marketplace names are unique per type (items.name_skeleton). Case-insensitive
 * first, as UAX #31 compares identifiers: NFKC and case folding (so full-width "Ｔｉｃｋｅｔ" and "ﬁ"
 * become "ticket" and "fi"), then the Unicode TR39 skeleton (NFD, confusables.txt prototypes via the
 * `unhomoglyph` package, NFD again), folded once more because some prototypes are capitals ("0" →
 * "O"). Variation selectors are dropped first. Case folding is approximated by
 * toUpperCase().toLowerCase(), which also folds "ß" to "ss". So "Ti\u0441ket Triage" (Cyrillic с)
 * and "TICKET  triage" share "Ticket Triage"'s key. Because case is folded before the look-alike
 * mapping, capitals that only resemble a Latin capital (Greek "Η" for "H") are not caught.
 * Not for display: a skeleton mixes scripts.
 */
export function nameSkeleton(name: string): string {
  const folded = fold(withoutVariationSelectors(normalizeText(name)).normalize("NFKC")).normalize("NFKC");
  return fold(unhomoglyph(folded.normalize("NFD")).normalize("NFD"));
}

function fold(text: string): string {
  return text.toUpperCase().toLowerCase();
}

/** The stored form of a name from the API (already normalized by NameSchema) or from older data. */
export function normalizeName(name: string): string {
  return normalizeText(name);
}

/**
 * For rows written before these rules (the backfill): forbidden characters become spaces, then the
 * name is normalized; a name left with nothing visible becomes `fallback`. Truncated to 200.
 */
export function cleanName(name: string, fallback: string): string {
  const cleaned = cleanText(name);
  const usable = hasVisibleCharacter(cleaned) ? cleaned : fallback;
  return [...usable].slice(0, NAME_MAX).join("").trim();
}
