import { describe, expect, it } from "vitest";
import { useDatabase } from "../helpers/db";
import { uniqueToken } from "../helpers/factories";
import { publisher } from "./helpers";

const clients = useDatabase();

// Issue 10 item 9: on one shared PGlite session, concurrent transactions interleaved and a real
// owner got a false 404 workspace_not_found or a 500 that PostgreSQL never gives. Like every
// concurrency test it runs on the run's database (PostgreSQL in CI, design.md §47); the embedded
// server's one-transaction-at-a-time session is tested directly in test/node/embedded-postgres.test.ts.
describe("concurrent transactional writes through the API", () => {
  it("20 parallel creates, then 20 parallel submits, by a real owner all succeed", async () => {
    const p = await publisher(clients.pool);
    const drafts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => p.create("agents", { name: `Parallel ${i} ${uniqueToken()}` })),
    );
    const responses = await Promise.all(drafts.map((draft) => p.submit({ item_id: draft.id })));
    const outcomes = await Promise.all(responses.map(async (r) => `${r.status} ${r.status === 201 ? "" : await r.text()}`));
    expect(outcomes).toEqual(Array.from({ length: 20 }, () => "201 "));
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ item_id: string; status: string }>));
    expect(new Set(bodies.map((b) => b.item_id)).size).toBe(20);
    expect(bodies.every((b) => b.status === "pending")).toBe(true);
  });
});
