import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { bearer, signedInUser } from "../helpers/auth";
import { useDatabase } from "../helpers/db";
import { uniqueToken } from "../helpers/factories";
import { api, jsonRequest } from "../helpers/http";
import { publisher } from "./helpers";

const clients = useDatabase();
const db = () => clients.pool;

/** Status and problem code of each response. */
async function outcomes(responses: Response[]) {
  return Promise.all(
    responses.map(async (r) => ({ status: r.status, code: r.status >= 400 ? ((await r.json()) as { code: string }).code : null })),
  );
}

describe("concurrent writes that a unique index decides (issue 10 item 5)", () => {
  it("answers 10 concurrent first submissions of one item with one 201 and nine 409, never 500", async () => {
    const p = await publisher(db());
    const agent = await p.create("agents", { name: `Race ${uniqueToken()}` });
    const results = await outcomes(await Promise.all(Array.from({ length: 10 }, () => p.submit({ item_id: agent.id }))));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(9);
    for (const r of results.filter((r) => r.status === 409)) expect(["submission_pending", "name_taken"]).toContain(r.code);

    const rows = await db().select().from(schema.items).where(eq(schema.items.sourceItemId, agent.id));
    expect(rows).toHaveLength(1);
    const versions = await db().select().from(schema.itemVersions).where(eq(schema.itemVersions.itemId, rows[0]!.id));
    expect(versions).toHaveLength(1);
  });

  it("answers the race with submission_pending when each request names the item differently (the source index decides)", async () => {
    const p = await publisher(db());
    const agent = await p.create("agents", { name: `Race ${uniqueToken()}` });
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => p.submit({ item_id: agent.id, name: `Race ${uniqueToken()} ${i}` })));
    const results = await outcomes(responses);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.code)).toEqual(Array(9).fill("submission_pending"));
  });

  it("answers 10 concurrent workspace creations with one slug with one 201 and nine 409 slug_taken (variant)", async () => {
    const { token } = await signedInUser(db());
    const slug = uniqueToken("race");
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api("/api/workspaces", jsonRequest("POST", { name: `Race ${i}`, slug }, bearer(token)))),
    );
    const results = await outcomes(responses);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.code)).toEqual(Array(9).fill("slug_taken"));
  });
});
