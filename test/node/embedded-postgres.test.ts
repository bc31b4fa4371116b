import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../scripts/stack/embedded-postgres";

// Issue 10 item 9: the embedded database is one PGlite session shared by every connection; these
// check, on the wire, that connections still behave like sessions of a real server.
let database: EmbeddedPostgres;
beforeAll(async () => {
  database = await startEmbeddedPostgres();
}, 60_000);
afterAll(() => database?.close());

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: database.url });
  client.on("error", () => {});
  await client.connect();
  return client;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("embedded PostgreSQL under concurrency", () => {
  it("never mixes up concurrent extended-protocol queries outside transactions", async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, connect));
    try {
      const answers = await Promise.all(
        clients.map(async (client, i) => {
          const seen: string[] = [];
          for (let n = 0; n < 25; n++) {
            // Each client its own statement text, so a Bind landing on another's Parse shows.
            const { rows } = await client.query<{ v: string; c: number }>(`select $1::text as v, ${i} as c`, [`${i}-${n}`]);
            seen.push(`${rows[0]!.v}/${rows[0]!.c}`);
          }
          return seen;
        }),
      );
      answers.forEach((seen, i) => expect(seen).toEqual(Array.from({ length: 25 }, (_, n) => `${i}-${n}/${i}`)));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it("runs each transaction alone from BEGIN to COMMIT, even with pauses inside it", async () => {
    const setup = await connect();
    await setup.query("create table tx_probe (owner int not null)");
    const clients = await Promise.all(Array.from({ length: 10 }, connect));
    try {
      const counts = await Promise.all(
        clients.map(async (client, i) => {
          await client.query("begin");
          await client.query("select set_config('probe.owner', $1, true)", [String(i)]);
          await client.query("insert into tx_probe (owner) values ($1)", [i]);
          await pause(5);
          const own = await client.query<{ v: string }>("select current_setting('probe.owner') as v");
          const mine = await client.query<{ n: number }>("select count(*)::int as n from tx_probe where owner = $1", [i]);
          await client.query("commit");
          return { owner: own.rows[0]!.v, rows: mine.rows[0]!.n };
        }),
      );
      expect(counts).toEqual(Array.from({ length: 10 }, (_, i) => ({ owner: String(i), rows: 1 })));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
      await setup.query("drop table tx_probe");
      await setup.end();
    }
  });

  it("makes other connections wait while a transaction is open, and rolls back one that drops mid-transaction", async () => {
    const setup = await connect();
    await setup.query("create table dropped_probe (id int)");
    const holder = await connect();
    await holder.query("begin");
    await holder.query("insert into dropped_probe values (1)");

    let answered = false;
    const waiting = setup.query<{ n: number }>("select count(*)::int as n from dropped_probe").then((r) => {
      answered = true;
      return r.rows[0]!.n;
    });
    await pause(200);
    expect(answered).toBe(false);

    // The connection goes away without COMMIT: its write must vanish and the session be released.
    (holder as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect(await waiting).toBe(0);
    const after = await connect();
    const { rows } = await after.query<{ tx: boolean }>("select pg_current_xact_id_if_assigned() is not null as tx");
    expect(rows[0]!.tx).toBe(false);
    await after.end();
    await setup.query("drop table dropped_probe");
    await setup.end();
  });

  it("releases a clean session when a connection drops after a failed Parse, before its Sync", async () => {
    const client = await connect();
    const raw = (client as unknown as { connection: { stream: { write(b: Buffer): void; destroy(): void } } }).connection.stream;
    // A failing Parse with no Sync: the backend now skips every message until a Sync.
    const sql = Buffer.from("\0select * from no_such_table\0\0\0", "utf8"); // name, query, no parameter types
    const parse = Buffer.alloc(5 + sql.length);
    parse.write("P", 0);
    parse.writeInt32BE(4 + sql.length, 1);
    sql.copy(parse, 5);
    raw.write(parse);
    await pause(50);
    raw.destroy();
    const other = await connect();
    const { rows } = await other.query<{ v: number }>("select $1::int as v", [42]);
    expect(rows[0]!.v).toBe(42);
    await other.end();
  });

  it("closes a connection that holds a transaction idle too long, so the others go on", async () => {
    const short = await startEmbeddedPostgres({ idleHoldMs: 300 });
    try {
      const holder = new pg.Client({ connectionString: short.url });
      holder.on("error", () => {});
      await holder.connect();
      await holder.query("begin");
      await holder.query("create table idle_probe (id int)");
      const started = Date.now();
      // Even connecting waits for the session, until the idle holder is closed.
      const other = new pg.Client({ connectionString: short.url });
      other.on("error", () => {});
      await other.connect();
      const { rows } = await other.query<{ n: number }>("select count(*)::int as n from pg_tables where tablename = 'idle_probe'");
      expect(rows[0]!.n).toBe(0); // rolled back
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await expect(holder.query("select 1")).rejects.toThrow();
      await other.end();
    } finally {
      await short.close();
    }
  });
});
