// @module-tag pglite (the catalog's unique indexes and their violations: also run on the embedded database; test/suite-layout.ts)
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { conflictFor, UNIQUE_CONFLICTS } from "../../src/lib/conflicts";
import { useDatabase } from "../helpers/db";
import { createWorkspace } from "../helpers/factories";
import * as schema from "../../src/db/schema";

const clients = useDatabase();
const db = () => clients.pool;

describe("unique violations map to 409 problems in one place", () => {
  it("has a 409 for every unique index and composite primary key of the live schema", async () => {
    const { rows } = await db().execute<{ name: string }>(sql`
      select i.relname as name
      from pg_index x
      join pg_class i on i.oid = x.indexrelid
      join pg_class t on t.oid = x.indrelid
      join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = 'public' and x.indisunique
        -- A single-column primary key is a generated id (or a backfill's name): no caller chooses it.
        and not (x.indisprimary and x.indnatts = 1)
      order by 1`);
    const names = rows.map((r) => r.name);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => !UNIQUE_CONFLICTS[name])).toEqual([]);
  });

  it("maps a real violation by its index, and an unknown one to a generic 409, never exposing the index", async () => {
    const { workspace, owner } = await createWorkspace(db());
    let caught: unknown;
    try {
      await db().insert(schema.workspaceMembers).values({ workspaceId: workspace.id, userId: owner.id, role: "viewer" });
    } catch (error) {
      caught = error;
    }
    expect(conflictFor(caught)).toMatchObject({ status: 409, code: "already_member" });
    const unknown = conflictFor({ code: "23505", constraint: "some_future_key" });
    expect(unknown).toMatchObject({ status: 409, code: "conflict" });
    expect(unknown!.detail).not.toContain("some_future_key");
    expect(conflictFor(new Error("boom"))).toBeUndefined();
    expect(conflictFor({ code: "23503", constraint: "workspaces_slug_key" })).toBeUndefined();
  });
});
