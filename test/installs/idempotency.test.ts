import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { useDatabase } from "../helpers/db";
import { createMarketplaceItem } from "../helpers/factories";
import { problem } from "../helpers/http";
import { installer, installRows, publishedAgent, type InstallBody } from "./helpers";

const clients = useDatabase();
const db = () => clients.pool;

const keyed = () => ({ "Idempotency-Key": crypto.randomUUID() });

function keyRow(workspaceId: string, key: string) {
  return db()
    .select()
    .from(schema.idempotencyKeys)
    .where(and(eq(schema.idempotencyKeys.workspaceId, workspaceId), eq(schema.idempotencyKeys.key, key)));
}

describe("Idempotency-Key on install", () => {
  it("replays the first 201 for the same key and request: a retry after a timeout gets its clone, not a 409", async () => {
    const { item } = await createMarketplaceItem(db(), { type: "skill" });
    const me = await installer(db());
    const key = keyed();
    const first = await me.install(item.id, {}, key);
    expect(first.status).toBe(201);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const body = await first.json();
    const retry = await me.install(item.id, {}, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await retry.json()).toEqual(body);
    // An empty body and `{}` are the same request.
    expect((await me.install(item.id, undefined, key)).status).toBe(201);
    expect(await installRows(db(), item.id)).toHaveLength(1);
    const [row] = await keyRow(me.workspace.id, key["Idempotency-Key"]);
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(24 * 3600 * 1000);
  });

  it("answers 422 for the same key with a different request, and scopes keys to the workspace", async () => {
    const agent = await publishedAgent(db());
    await agent.release("1.1.0-beta.1");
    const me = await installer(db());
    const key = keyed();
    expect((await me.install(agent.itemId, {}, key)).status).toBe(201);
    const other = await me.install(agent.itemId, { version: "1.1.0-beta.1" }, key);
    expect(other.status).toBe(422);
    expect((await problem(other)).code).toBe("idempotency_key_reused");
    const { item } = await createMarketplaceItem(db(), { type: "skill" });
    expect((await me.install(item.id, {}, key)).status).toBe(422);

    // The same key in another workspace is another key.
    const elsewhere = await installer(db());
    const theirs = await elsewhere.install(agent.itemId, {}, key);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("answers 409 idempotency_in_progress with Retry-After while the first request holds the key", async () => {
    const { item } = await createMarketplaceItem(db(), { type: "skill" });
    const me = await installer(db());
    const key = keyed();
    expect((await me.install(item.id, {}, key)).status).toBe(201);
    // Make the stored record look like a request still running (no response yet, claimed just now).
    await db()
      .update(schema.idempotencyKeys)
      .set({ responseStatus: null, response: null, createdAt: sql`now()` })
      .where(eq(schema.idempotencyKeys.key, key["Idempotency-Key"]));
    const busy = await me.install(item.id, {}, key);
    expect(busy.status).toBe(409);
    expect(busy.headers.get("Retry-After")).toBe("1");
    expect((await problem(busy)).code).toBe("idempotency_in_progress");
  });

  it("forgets keys after 24 hours and failed requests at once", async () => {
    const { item } = await createMarketplaceItem(db(), { type: "skill" });
    const me = await installer(db());
    const key = keyed();
    const first = (await (await me.install(item.id, {}, key)).json()) as InstallBody;
    expect((await me.uninstall(item.id)).status).toBe(204);
    await db()
      .update(schema.idempotencyKeys)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(schema.idempotencyKeys.key, key["Idempotency-Key"]));
    const fresh = await me.install(item.id, {}, key);
    expect(fresh.status).toBe(201);
    expect(((await fresh.json()) as InstallBody).clone_id).not.toBe(first.clone_id);

    // A failure (here: already installed) is not remembered; the key stays free.
    const failing = keyed();
    expect((await me.install(item.id, {}, failing)).status).toBe(409);
    expect(await keyRow(me.workspace.id, failing["Idempotency-Key"])).toEqual([]);
  });

  it("refuses an empty or over-long key with 400", async () => {
    const { item } = await createMarketplaceItem(db(), { type: "skill" });
    const me = await installer(db());
    expect((await me.install(item.id, {}, { "Idempotency-Key": "x".repeat(256) })).status).toBe(400);
    expect(await installRows(db(), item.id)).toEqual([]);
  });
});
