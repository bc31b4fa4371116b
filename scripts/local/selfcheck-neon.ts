import { Client, NeonDbError, Pool, neon, neonConfig } from "@neondatabase/serverless";
import { WebSocket } from "ws";
import type { NeonRelay } from "./neon-relay.ts";
import { FrontendTracker } from "./pg-frontend-tracker.ts";
import { Checks, eq, ok, rejects, withTimeout } from "./selfcheck-harness.ts";

/** The settings a Worker would apply in local mode, pointed at our relay. */
export function configureNeonForRelay(relay: NeonRelay): void {
  neonConfig.webSocketConstructor = WebSocket;
  neonConfig.wsProxy = (host, port) => `127.0.0.1:${relay.port}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
  neonConfig.fetchEndpoint = `${relay.url}/sql`;
}

/** Checks of the relay itself that need no database. */
export async function checkRelayBasics(checks: Checks, relay: NeonRelay): Promise<void> {
  await checks.run("relay: GET /health", async () => {
    const res = await fetch(`${relay.url}/health`);
    eq([res.status, await res.text()], [200, "ok"], "health");
  });
  await checks.run("relay: WebSocket to a non-loopback address is refused", async () => {
    // .invalid never resolves, so even a broken relay could not send traffic anywhere.
    const status = await new Promise<number | string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/v1?address=db.example.invalid:5432`);
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => {
        ws.close();
        resolve("opened");
      });
      ws.on("error", (err) => resolve(err.message));
    });
    eq(status, 403, "upgrade status");
  });
  await checks.run("relay: /sql with a non-loopback host is refused", async () => {
    const res = await fetch(`${relay.url}/sql`, {
      method: "POST",
      headers: { "Neon-Connection-String": "postgresql://u:p@db.example.invalid/db" },
      body: JSON.stringify({ query: "select 1", params: [] }),
    });
    eq(res.status, 400, "status");
  });
  await checks.run("relay: Terminate is found only at message boundaries", () => {
    const terminate = Buffer.from([0x58, 0, 0, 0, 4]);
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8, 0);
    startup.writeInt32BE(196608, 4);
    const sqlText = Buffer.concat([Buffer.from("select '"), terminate, Buffer.from("'\0")]);
    const query = Buffer.alloc(5);
    query[0] = 0x51;
    query.writeInt32BE(4 + sqlText.length, 1);
    const stream = Buffer.concat([startup, query, sqlText, terminate]);
    // Feed one byte at a time: framing must survive arbitrary chunking.
    const tracker = new FrontendTracker();
    let seenAt = -1;
    for (let i = 0; i < stream.length; i++) {
      if (tracker.feed(stream.subarray(i, i + 1)) !== undefined) seenAt = i;
    }
    eq(seenAt, stream.length - 1, "terminate offset (byte-wise)");
    const whole = new FrontendTracker().feed(stream);
    eq(whole, stream.length, "terminate offset (one chunk)");
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8, 0);
    ssl.writeInt32BE(80877103, 4);
    const afterSsl = new FrontendTracker();
    eq(afterSsl.feed(Buffer.concat([ssl, startup, terminate])), undefined, "held until the server answers");
    eq(afterSsl.serverData(Buffer.from("N")), true, "terminate found after 'N'");
  });
}

/** The full Neon driver matrix against one database reachable on loopback. */
export async function checkNeon(checks: Checks, label: string, connectionString: string): Promise<void> {
  const c = (name: string, fn: () => unknown): Promise<boolean> => checks.run(`neon/${label}: ${name}`, fn);

  await c("Pool query over WebSocket", async () => {
    const pool = new Pool({ connectionString });
    try {
      const { rows } = await pool.query("select 1 + 1 as n, $1::text as t", ["x"]);
      eq(rows, [{ n: 2, t: "x" }], "rows");
    } finally {
      await withTimeout(pool.end(), 5_000, "pool.end()");
    }
  });

  await c("interactive transaction with rollback", async () => {
    const pool = new Pool({ connectionString });
    const client = await pool.connect();
    try {
      await client.query("create table if not exists ws_probe (id int primary key)");
      await client.query("delete from ws_probe");
      await client.query("begin");
      await client.query("insert into ws_probe values (1), (2)");
      eq((await client.query("select count(*)::int as n from ws_probe")).rows, [{ n: 2 }], "inside the transaction");
      await client.query("rollback");
      eq((await client.query("select count(*)::int as n from ws_probe")).rows, [{ n: 0 }], "after rollback");
    } finally {
      client.release();
      await withTimeout(pool.end(), 5_000, "pool.end()");
    }
  });

  await c("two sequential Client connect/end cycles", async () => {
    for (let i = 1; i <= 2; i++) {
      const client = new Client(connectionString);
      await withTimeout(client.connect(), 5_000, `connect #${i}`);
      eq((await client.query("select $1::int as i", [i])).rows, [{ i }], `query #${i}`);
      await withTimeout(client.end(), 5_000, `end #${i} (relay must close after Terminate)`);
    }
  });

  const sql = neon(connectionString);

  await c("HTTP query: values parsed to JS types", async () => {
    const when = new Date("2024-05-06T07:08:09.123Z");
    const id = "4f9a8d52-2f4b-4c1e-9a57-8d1f1f3c9b20";
    const rows = await sql.query(
      "select $1::int as i, $2::text as t, $3::jsonb as j, $4::timestamptz as ts, $5::boolean as b, " +
        "$6::uuid as u, $7::text[] as arr, $8::text as nothing",
      [42, "héllo", { a: 1, b: [true, null] }, when, true, id, ["a", "b,c", 'q"uote'], null],
    );
    const row = rows[0] as Record<string, unknown>;
    eq(row.i, 42, "int");
    eq(row.t, "héllo", "text");
    eq(row.j, { a: 1, b: [true, null] }, "jsonb");
    ok(row.ts instanceof Date && row.ts.getTime() === when.getTime(), `timestamptz as Date, got ${String(row.ts)}`);
    eq(row.b, true, "boolean");
    eq(row.u, id, "uuid");
    eq(row.arr, ["a", "b,c", 'q"uote'], "text[]");
    eq(row.nothing, null, "null");
    eq(await sql`select ${7}::int as seven`, [{ seven: 7 }], "tagged template");
  });

  await c("HTTP fullResults shape", async () => {
    const res = await sql.query("select 1::int as one, 'x'::text as two", [], { fullResults: true, arrayMode: true });
    eq(res.command, "SELECT", "command");
    eq(res.rowCount, 1, "rowCount");
    eq(res.rows, [[1, "x"]], "rows");
    eq(res.fields.map((f) => [f.name, f.dataTypeID]), [["one", 23], ["two", 25]], "fields");
  });

  await c("HTTP transaction() batch", async () => {
    await sql.query("create table if not exists http_items (id int primary key, name text not null unique)");
    await sql.query("delete from http_items");
    const [inserted, counted] = await sql.transaction(
      [sql`insert into http_items values (1, 'a'), (2, 'b') returning id`, sql`select count(*)::int as n from http_items`],
      { isolationLevel: "Serializable" },
    );
    eq(inserted, [{ id: 1 }, { id: 2 }], "insert returning");
    eq(counted, [{ n: 2 }], "count inside the batch");
  });

  await c("HTTP error carries SQLSTATE (unique violation)", async () => {
    const err = await rejects(sql`insert into http_items values (1, 'dup')`, "duplicate insert");
    ok(err instanceof NeonDbError, `NeonDbError, got ${err.constructor.name}: ${err.message}`);
    eq(err.code, "23505", "code");
    eq(err.constraint, "http_items_pkey", "constraint");
    ok(String(err.detail).includes("(id)=(1)"), `detail, got ${String(err.detail)}`);
  });

  await c("HTTP failing batch rolls back", async () => {
    const err = await rejects(
      sql.transaction([sql`insert into http_items values (3, 'c')`, sql`insert into http_items values (4, 'a')`]),
      "batch with a duplicate",
    );
    eq(err.code, "23505", "code");
    eq(await sql`select count(*)::int as n from http_items`, [{ n: 2 }], "row 3 was rolled back");
  });

  await c("HTTP read-only batch rejects writes", async () => {
    const err = await rejects(
      sql.transaction([sql`insert into http_items values (5, 'e')`], { readOnly: true }),
      "write in a read-only batch",
    );
    eq(err.code, "25006", "code (read_only_sql_transaction)");
  });
}
