// @module-tag pglite (migrations and backfills: also run on the embedded database; test/suite-layout.ts)
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { applyMigrations } from "../../scripts/stack/migrate";
import { seedIfEmpty } from "../../scripts/seed/run";
import { contentSha256 } from "../../src/domain/content-hash";
import { refilterPublishedConfig } from "../../src/db/backfills/refilter-published-config";
import { scratchDatabase } from "./scratch-database";

// Issue 10 item 1: marketplace rows published before deny-by-default filtering are re-filtered by
// a backfill, tested on a database holding the demo catalog (as npm run dev seeds it).
let database: Awaited<ReturnType<typeof scratchDatabase>>;
let client: pg.Client;
beforeAll(async () => {
  database = await scratchDatabase("refilter backfill");
  await applyMigrations(database.url, []);
  await seedIfEmpty(database.url);
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
}, 120_000);
afterAll(async () => {
  await client?.end();
  await database?.close();
});

const SECRETS = ["https://hooks.slack.com/services/T0/B0/LEAK", "Bearer sk-live-leakleakleak1234", "hunter2-db", "ak_leaked_param"];

async function snapshot() {
  const items = await client.query<{ id: string; details: Record<string, unknown> }>("select id, details from items order by id");
  const versions = await client.query<{ id: string; content: Record<string, unknown>; content_sha256: string }>(
    "select id, content, content_sha256 from item_versions order by id",
  );
  return { items: items.rows, versions: versions.rows };
}

it("drops nested secrets from published items and version snapshots, leaves the demo catalog as it was, and runs once", async () => {
  const recipe = (await client.query<{ id: string }>("select id from items where owner_type = 'marketplace' and type = 'recipe' order by name limit 1")).rows[0]!;
  const agent = (await client.query<{ id: string }>("select id from items where owner_type = 'marketplace' and type = 'agent' order by name limit 1")).rows[0]!;
  const before = await snapshot();
  const recipeDetails = before.items.find((i) => i.id === recipe.id)!.details as { steps: Array<Record<string, unknown>> };
  const leakyRecipe = {
    ...recipeDetails,
    steps: recipeDetails.steps.map((s, i) => (i === 0 ? { ...s, url: SECRETS[0], headers: { Authorization: SECRETS[1] } } : s)),
    inputs: { db_password: SECRETS[2] },
  };
  const agentDetails = before.items.find((i) => i.id === agent.id)!.details;
  const leakyAgent = { ...agentDetails, parameters: { api_key: SECRETS[3], callback_url: "https://publisher.example/cb", tone: "calm" } };
  // Published the old way: secrets in the row and in its latest version's snapshot.
  for (const [id, details] of [[recipe.id, leakyRecipe], [agent.id, leakyAgent]] as const) {
    await client.query("update items set details = $2 where id = $1", [id, JSON.stringify(details)]);
    const versions = await client.query("update item_versions set content = jsonb_set(content, '{details}', $2::jsonb) where item_id = $1", [id, JSON.stringify(details)]);
    expect(versions.rowCount).toBeGreaterThan(0);
  }

  expect(await applyMigrations(database.url, [refilterPublishedConfig])).toEqual(["0001-refilter-published-config"]);

  const after = await snapshot();
  const text = JSON.stringify(after);
  for (const secret of [...SECRETS, "publisher.example"]) expect(text).not.toContain(secret);
  // What was not a secret stays: the agent's other parameter, the recipe's steps.
  expect(after.items.find((i) => i.id === agent.id)!.details).toEqual({ ...agentDetails, parameters: { tone: "calm" } });
  expect(after.items.find((i) => i.id === recipe.id)!.details).toEqual({ ...recipeDetails, inputs: {} });
  // Every other row of the demo catalog is untouched.
  const untouched = (rows: Array<{ id: string }>) => rows.filter((r) => r.id !== recipe.id && r.id !== agent.id);
  expect(untouched(after.items)).toEqual(untouched(before.items));
  // Each version's hash matches its (re-filtered) content.
  for (const version of after.versions) expect(version.content_sha256).toBe(await contentSha256(version.content));

  // Once per database, and idempotent if run again by hand.
  expect(await applyMigrations(database.url, [refilterPublishedConfig])).toEqual([]);
  await refilterPublishedConfig.run((await import("drizzle-orm/node-postgres")).drizzle({ client }) as never);
  expect(await snapshot()).toEqual(after);
}, 120_000);
