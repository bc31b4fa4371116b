// @module-tag pglite (migrations: also run on the embedded database; test/suite-layout.ts)
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations } from "../../scripts/stack/migrate";
import { migrateToJustBefore, scratchDatabase, withPgClient } from "./scratch-database";

// The migration *_install_count_workspaces (design.md §53, issue 26 item 8) on a database written by
// the old rule, where every install added one: it subtracts repeat installs of a workspace only.
// The database is migrated up to the migration before it (a copy of drizzle/ whose journal stops
// there, so renumbering or later migrations change nothing here), given rows, then migrated fully.

const TAG_SUFFIX = "_install_count_workspaces";
let database: Awaited<ReturnType<typeof scratchDatabase>> | undefined;
let url: string;

const withClient = <T>(run: (client: pg.Client) => Promise<T>) => withPgClient(url, run);

/** A marketplace skill with one approved version and the given count; returns the ids. */
async function item(client: pg.Client, name: string, installCount: number) {
  const { rows } = await client.query<{ id: string }>(
    `insert into items (type, name, name_skeleton, owner_type, is_approved, install_count, actor_type)
     values ('skill', $1, $2, 'marketplace', true, $3, 'system') returning id`,
    [name, name.toLowerCase(), installCount],
  );
  const itemId = rows[0]!.id;
  const version = await client.query<{ id: string }>(
    `insert into item_versions (item_id, version, content, content_sha256, review_status, actor_type)
     values ($1, '1.0.0', '{}'::jsonb, repeat('0', 64), 'approved', 'system') returning id`,
    [itemId],
  );
  return { itemId, versionId: version.rows[0]!.id };
}

async function workspace(client: pg.Client, slug: string) {
  const { rows } = await client.query<{ id: string }>(`insert into workspaces (name, slug) values ($1, $1) returning id`, [slug]);
  return rows[0]!.id;
}

/** `times` install rows of the item by the workspace, all but the last uninstalled (as the old rule allowed). */
async function installs(client: pg.Client, target: { itemId: string; versionId: string }, workspaceId: string, times: number) {
  for (let i = 0; i < times; i++) {
    const ended = i < times - 1;
    await client.query(
      `insert into marketplace_installs (workspace_id, item_id, version_id, actor_type, installed_at, uninstalled_at)
       values ($1, $2, $3, 'system', now() - make_interval(days => $4), case when $5 then now() - make_interval(days => $4) + interval '1 hour' end)`,
      [workspaceId, target.itemId, target.versionId, times - i, ended],
    );
  }
}

const countOf = (id: string) => withClient(async (client) => (await client.query<{ n: number }>("select install_count as n from items where id = $1", [id])).rows[0]!.n);

describe("migration *_install_count_workspaces", () => {
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    database = await scratchDatabase("install count");
    url = database.url;
    await migrateToJustBefore(url, TAG_SUFFIX);
    await withClient(async (client) => {
      const [w1, w2, w3] = [await workspace(client, "w-one"), await workspace(client, "w-two"), await workspace(client, "w-three")];
      // Seeded: a count with no install rows behind it.
      ids.seeded = (await item(client, "Seeded", 100)).itemId;
      // Five installs by three workspaces (w1 three times): counted 5, three workspaces.
      const repeated = await item(client, "Repeated", 5);
      ids.repeated = repeated.itemId;
      await installs(client, repeated, w1, 3);
      await installs(client, repeated, w2, 1);
      await installs(client, repeated, w3, 1);
      // A seeded 40 plus one install each by two workspaces: no repeats, nothing changes.
      const distinct = await item(client, "Distinct", 42);
      ids.distinct = distinct.itemId;
      await installs(client, distinct, w1, 1);
      await installs(client, distinct, w2, 1);
      // A seeded 10 plus w2's 20 install/uninstall cycles (the issue's reproduction): 30 → 11.
      const cycled = await item(client, "Cycled", 30);
      ids.cycled = cycled.itemId;
      await installs(client, cycled, w2, 20);
      // A count set lower than its rows by hand: clamped at 0, the CHECK holds.
      const low = await item(client, "Low", 1);
      ids.low = low.itemId;
      await installs(client, low, w3, 4);
    });
    await applyMigrations(url);
  }, 120_000);
  afterAll(() => database?.close());

  it("subtracts each workspace's repeat installs, and only them", async () => {
    expect(await countOf(ids.repeated!)).toBe(3);
    expect(await countOf(ids.cycled!)).toBe(11);
    expect(await countOf(ids.distinct!)).toBe(42);
  });

  it("keeps a seeded count that has no install rows behind it", async () => {
    expect(await countOf(ids.seeded!)).toBe(100);
  });

  it("never takes a count below zero", async () => {
    expect(await countOf(ids.low!)).toBe(0);
  });

  it("runs once: migrating again changes nothing", async () => {
    const before = await Promise.all(Object.values(ids).map(countOf));
    await applyMigrations(url);
    expect(await Promise.all(Object.values(ids).map(countOf))).toEqual(before);
  });
});
