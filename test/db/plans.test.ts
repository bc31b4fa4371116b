import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { listCatalogItems, type CatalogFilter, type CatalogSort } from "../../src/db/queries/catalog";
import { useDatabase } from "../helpers/db";
import { createCategory } from "../helpers/factories";

const clients = useDatabase();

/** Node types of a plan, depth first. */
function nodeTypes(plan: { "Node Type": string; "Index Name"?: string; Plans?: unknown[] }): string[] {
  return [plan["Node Type"] + (plan["Index Name"] ? `:${plan["Index Name"]}` : ""), ...(plan.Plans ?? []).flatMap((p) => nodeTypes(p as never))];
}

/**
 * The plan of a catalog page with sequential scans disabled: what the planner does when the
 * catalog is large. A page must come straight off an index, already in order: a Sort node means
 * the ORDER BY does not match any index (e.g. DESC versus DESC NULLS LAST) and every match is sorted.
 */
async function pagePlan(filter: CatalogFilter, sort: CatalogSort) {
  return clients.pool.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    const query = listCatalogItems(tx, filter, sort, { limit: 50, offset: 0 });
    const result = (await tx.execute(sql`explain (format json) ${query}`)) as unknown as { rows: Array<{ "QUERY PLAN": unknown }> };
    const raw = result.rows[0]!["QUERY PLAN"];
    const [plan] = (typeof raw === "string" ? JSON.parse(raw) : raw) as Array<{ Plan: never }>;
    return nodeTypes(plan!.Plan);
  });
}

describe("catalog pages are served by the list indexes, without sorting", () => {
  const cases: Array<[string, () => Promise<CatalogFilter>, CatalogSort, string]> = [
    ["unfiltered, popular", async () => ({ includeUnapproved: false }), "popular", "items_owner_approval_popular_idx"],
    ["by type, popular", async () => ({ type: "agent", includeUnapproved: false }), "popular", "items_marketplace_type_popular_idx"],
    ["by category, popular", async () => ({ categoryId: (await createCategory(clients.pool)).id, includeUnapproved: false }), "popular", "items_marketplace_category_popular_idx"],
    ["featured, popular", async () => ({ featured: true, includeUnapproved: false }), "popular", "items_marketplace_featured_idx"],
    ["newest", async () => ({ includeUnapproved: false }), "newest", "items_marketplace_newest_idx"],
    ["by name", async () => ({ includeUnapproved: false }), "name", "items_marketplace_name_sort_idx"],
  ];
  for (const [name, filter, sort, index] of cases) {
    it(name, async () => {
      const nodes = await pagePlan(await filter(), sort);
      expect(nodes.join(" > ")).toContain(index);
      expect(nodes.filter((n) => n.startsWith("Sort") || n.startsWith("Incremental Sort"))).toEqual([]);
    });
  }
});
