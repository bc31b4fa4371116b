import { withTypoTolerance, type ParsedSearch } from "../domain/search-query";

export interface BoundedCount {
  total: number;
  exact: boolean;
}

/**
 * Counts a search as typed and, only when that finds nothing, counts it again with typo tolerance
 * (src/domain/search-query.ts: why typos are a retry). Shared by item and plugin search (issue 13 item 4).
 * Returns the count and the search the page must use, so list and total always agree; a total of 0
 * tells the caller that the page is empty without querying it.
 */
export async function countWithTypoRetry(
  search: ParsedSearch | undefined,
  count: (search: ParsedSearch | undefined) => Promise<BoundedCount>,
): Promise<{ count: BoundedCount; search: ParsedSearch | undefined }> {
  const strict = await count(search);
  const tolerant = strict.total === 0 && search ? withTypoTolerance(search) : undefined;
  if (!tolerant) return { count: strict, search };
  return { count: await count(tolerant), search: tolerant };
}
