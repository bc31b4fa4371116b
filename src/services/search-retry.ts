import { withTypoTolerance, type ParsedSearch } from "../domain/search-query";

export interface BoundedCount {
  total: number;
  exact: boolean;
}

/**
 * Runs a search as typed and, only when that counts nothing, runs it again with typo tolerance
 * (src/domain/search-query.ts: why typos are a retry). Shared by item and plugin search (issue 13
 * item 4). `run` answers a page and/or a count for one search; the result says which search it used,
 * so list and total always agree.
 */
export async function withTypoRetry<T extends { count: BoundedCount }>(
  search: ParsedSearch | undefined,
  run: (search: ParsedSearch | undefined) => Promise<T>,
): Promise<T & { search: ParsedSearch | undefined }> {
  const strict = await run(search);
  const tolerant = strict.count.total === 0 && search ? withTypoTolerance(search) : undefined;
  if (!tolerant) return { ...strict, search };
  return { ...(await run(tolerant)), search: tolerant };
}

/** withTypoRetry for a caller that counts first and lists after (a total of 0 means the page is empty). */
export async function countWithTypoRetry(
  search: ParsedSearch | undefined,
  count: (search: ParsedSearch | undefined) => Promise<BoundedCount>,
): Promise<{ count: BoundedCount; search: ParsedSearch | undefined }> {
  return withTypoRetry(search, async (s) => ({ count: await count(s) }));
}
