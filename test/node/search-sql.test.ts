import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { searchCondition } from "../../src/db/queries/search";
import { parseSearchQuery } from "../../src/domain/search-query";

// Each term of a search is one `document @@ tsquery` condition, its alternatives (a number with the
// minus sign PostgreSQL's parser reads from a hyphen, a dotted word by its parts) joined inside the
// tsquery. The planner hands such a condition to the GIN index; an OR of several `@@` it estimated
// as not worth an index and checked on the heap, reading every row matching the other terms (at
// 100k items, 1,605 rows for the exact name "Synthetic Ledger Insight 356", to keep 2). The plans
// themselves are in the bench report (a test database is too small for the planner to choose alike).

const columns = { document: sql.raw("search"), lowerName: sql.raw("lower(name)"), lexicon: sql.raw("search_lexemes") };
const rendered = (query: string) => new PgDialect().sqlToQuery(searchCondition(parseSearchQuery(query), columns)).sql;

describe("the SQL of a search's terms", () => {
  for (const query of ["Synthetic Ledger Insight 356", "claude 3.5 sonnet", "node.js helper", "gpt-4.1 mini", "ledger insight"]) {
    it(`"${query}": one @@ per term, no OR between conditions`, () => {
      const text = rendered(query);
      expect(text.match(/search @@/g)?.length, text).toBe(parseSearchQuery(query).terms.length);
      expect(text, text).not.toMatch(/\bor\b/i);
    });
  }

  it("keeps a number's minus-sign spelling and a dotted word's parts as tsquery alternatives", () => {
    expect(rendered("gpt-4.1")).toMatch(/\) \|\| \(select/);
    expect(rendered("node.js")).toMatch(/ && /);
  });
});
