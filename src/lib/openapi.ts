import { z } from "@hono/zod-openapi";
import { CursorParam, NextCursorField } from "./cursor";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ description: "Stable, machine-readable error code." }),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    existing_item: z
      .object({ id: z.uuid(), name: z.string() })
      .optional()
      .openapi({ description: "With `name_taken`: the item that holds the name (the same name, ignoring case, or a look-alike)." }),
  })
  .openapi("Problem");

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input (`validation_failed`, `malformed_json`, `workspace_required`, …)",
  401: "Missing or invalid credentials",
  403: "Not allowed (role, scope or admin)",
  404: "Not found, or not visible to the caller",
  409: "Conflicts with the current state",
  413: "Request body too large",
  415: "The request body's media type is not one this operation takes",
  422: "Well-formed but not processable (e.g. an Idempotency-Key reused for another request)",
  429: "Rate limit exceeded (see Retry-After)",
  503: "A backing service (database, storage) is unavailable; nothing was changed",
};

/** Problem responses for the given statuses, for a route's `responses`. */
export function problemResponses<const S extends readonly (keyof typeof DESCRIPTIONS)[]>(...statuses: S) {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: DESCRIPTIONS[status]!, content: { "application/problem+json": { schema: ProblemSchema } } }]),
  ) as { [K in S[number]]: { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema } } } };
}

/** Every authenticated route can answer these. */
export const AUTH_PROBLEMS = [401, 403, 404, 429] as const;

export const PaginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ description: "1–100, default 50" }),
  offset: z.coerce.number().int().min(0).default(0),
});

/**
 * Paging of a list that also walks by cursor (design.md §51): `offset` (kept for compatibility;
 * absent means 0) or `cursor`, never both.
 */
export const CursorPaginationQuery = z.object({
  limit: PaginationQuery.shape.limit,
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ description: "Skip this many (default 0). Kept for compatibility: entries added or removed between pages shift it, so a walk repeats or skips some; prefer `cursor`." }),
  cursor: CursorParam,
});

/** `{items, total, total_exact?, limit, offset?, next_cursor?}`: a page of a list that also walks by cursor (design.md §51, §54). */
export function cursorPaginated<T extends z.ZodType>(item: T, name: string, totalExact?: z.ZodBoolean) {
  return z
    .object({
      items: z.array(item),
      total: z.number().int(),
      ...(totalExact ? { total_exact: totalExact } : {}),
      limit: z.number().int(),
      offset: z.number().int().optional().openapi({ description: "The offset asked for (0 by default); absent on a cursor page." }),
      next_cursor: NextCursorField,
    })
    .openapi(name);
}

/**
 * The body of a moderation rejection (items and plugins alike): the reason the submitter sees,
 * 1–2000 characters after trimming, and optionally which pending version (default: the newest).
 */
export const RejectionRequest = z
  .object({ reason: z.string().trim().min(1).max(2000), version: z.string().max(100).optional() })
  .openapi("RejectionRequest");

export function paginated<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() })
    .openapi(name);
}

/** Pages a short list already in memory (per-workspace lists such as members and keys). */
export function pageOf<T>(all: T[], page: { limit: number; offset: number }) {
  return { items: all.slice(page.offset, page.offset + page.limit), total: all.length, limit: page.limit, offset: page.offset };
}
