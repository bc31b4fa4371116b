// @module-tag pglite (the planner's choice of index: also run on the embedded database; test/suite-layout.ts)
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
 * The plan of a catalog page with sequential scans, bitmap scans and sorts discouraged, so that the
 * planner reads an index in order whenever one can deliver it, whatever the table's size. A Sort
 * node left in the plan means no index matches the ORDER BY (e.g. DESC versus DESC NULLS LAST):
 * on a large catalog every match would be sorted for each page.
 */
async function pagePlan(filter: CatalogFilter, sort: CatalogSort) {
  return clients.pool.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    await tx.execute(sql`set local enable_bitmapscan = off`);
    await tx.execute(sql`set local enable_sort = off`);
    const query = listCatalogItems(tx, filter, sort, { limit: 50, offset: 0 });
    const result = (await tx.execute(sql`explain (format json) ${query}`)) as unknown as { rows: Array<{ "QUERY PLAN": unknown }> };
    const raw = result.rows[0]!["QUERY PLAN"];
    const [plan] = (typeof raw === "string" ? JSON.parse(raw) : raw) as Array<{ Plan: never }>;
    return nodeTypes(plan!.Plan);
  });
}

describe("catalog pages are served by the list indexes, without sorting", () => {
  // Which list index the planner picks differs between PostgreSQL versions and statistics; what
  // matters is that one of them delivers the order.
  const cases: Array<[string, () => Promise<CatalogFilter>, CatalogSort]> = [
    ["unfiltered, popular", async () => ({ includeUnapproved: false }), "popular"],
    ["by type, popular", async () => ({ type: "agent", includeUnapproved: false }), "popular"],
    ["by category, popular", async () => ({ categoryId: (await createCategory(clients.pool)).id, includeUnapproved: false }), "popular"],
    ["featured, popular", async () => ({ featured: true, includeUnapproved: false }), "popular"],
    ["newest", async () => ({ includeUnapproved: false }), "newest"],
    ["by name", async () => ({ includeUnapproved: false }), "name"],
  ];
  for (const [name, filter, sort] of cases) {
    it(name, async () => {
      const nodes = await pagePlan(await filter(), sort);
      expect(nodes.some((n) => /^Index (Only )?Scan:items_/.test(n)), nodes.join(" > ")).toBe(true);
      expect(nodes.filter((n) => n.startsWith("Sort") || n.startsWith("Incremental Sort")), nodes.join(" > ")).toEqual([]);
    });
  }
});
