import type { SQL } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
import * as schema from "../../src/db/schema";
import { boundedCountSql, findCategory, listCatalogItems, type CatalogFilter, type CatalogSort } from "../../src/db/queries/catalog";
import { parseSearchQuery } from "../../src/domain/search-query";
import { EXACT_TOTAL_CAP, catalogItemDetail } from "../../src/services/catalog";
import { BENCH_CATEGORY_SLUG, BENCH_SEARCH_TERM } from "./catalog";

export interface ExplainedQuery {
  title: string;
  sql: string;
  params: unknown[];
  plan: string;
  /** Indexes and sequential scans the plan uses, and its execution time. */
  summary: string;
}

interface Variant {
  name: string;
  filter: CatalogFilter;
  sort: CatalogSort;
}

/** The four benchmarked lists, as listCatalog builds them for a non-admin (services/catalog.ts). */
async function variants(db: NodePgDatabase<typeof schema>): Promise<Variant[]> {
  const category = await findCategory(db, BENCH_CATEGORY_SLUG);
  if (!category) throw new Error(`category "${BENCH_CATEGORY_SLUG}" is missing`);
  const base = { includeUnapproved: false };
  return [
    { name: "list", filter: base, sort: "popular" },
    { name: "list type=agent", filter: { ...base, type: "agent" }, sort: "popular" },
    { name: `list category=${BENCH_CATEGORY_SLUG}`, filter: { ...base, categoryId: category.id }, sort: "popular" },
    // The app's default sort when searching.
    { name: `list search="${BENCH_SEARCH_TERM}"`, filter: { ...base, search: parseSearchQuery(BENCH_SEARCH_TERM) }, sort: "relevance" },
  ];
}

/** "Index Scan using x", "Bitmap Index Scan on x", "Seq Scan on t" … and the execution time. */
export function summarisePlan(plan: string): string {
  const scans = new Set<string>();
  for (const match of plan.matchAll(/(?:Parallel )?(?:Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: Backward)? (?:using|on) \S+/g)) {
    scans.add(match[0]);
  }
  const time = /Execution Time: ([\d.]+) ms/.exec(plan)?.[1];
  return `${[...scans].join("; ") || "no scans"}${time ? ` — ${time} ms` : ""}`;
}

async function explain(client: pg.Client, title: string, query: { sql: string; params: unknown[] }): Promise<ExplainedQuery> {
  const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`, query.params);
  const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
  return { title, sql: query.sql, params: query.params, plan, summary: summarisePlan(plan) };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the exact SQL the app sends for each benchmarked list (page of 50
 * and the bounded count behind `total`), built by the app's own query functions.
 */
export async function explainCatalogQueries(databaseUrl: string, detailId?: string): Promise<ExplainedQuery[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const db = drizzle({ client, schema });
    const dialect = new PgDialect();
    const count = (filter: CatalogFilter): { sql: string; params: unknown[] } => dialect.sqlToQuery(boundedCountSql(filter, EXACT_TOTAL_CAP) as SQL);
    const out: ExplainedQuery[] = [];
    for (const v of await variants(db)) {
      out.push(await explain(client, `${v.name} — page (sort ${v.sort}, limit 50)`, listCatalogItems(db, v.filter, v.sort, { limit: 50, offset: 0 }).toSQL()));
      out.push(await explain(client, `${v.name} — total (boundedCountSql, cap ${EXACT_TOTAL_CAP})`, count(v.filter)));
    }
    if (detailId) {
      // Every query the detail read runs (item, versions, dependencies), captured as the app sends
      // them by running the service itself (issue 11 item 5: a read by primary key must not grow).
      const captured: Array<{ sql: string; params: unknown[] }> = [];
      const recording = drizzle({ client, schema, logger: { logQuery: (query, params) => void captured.push({ sql: query, params }) } });
      await catalogItemDetail(recording, detailId, { admin: false });
      for (const [i, query] of captured.entries()) out.push(await explain(client, `detail — query ${i + 1} of ${captured.length}`, query));
    }
    return out;
  } finally {
    await client.end();
  }
}
