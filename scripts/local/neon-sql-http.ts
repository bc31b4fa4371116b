import type { IncomingMessage, ServerResponse } from "node:http";
import pg from "pg";
import { isLoopbackHost } from "./loopback.ts";

/**
 * Local stand-in for Neon's SQL-over-HTTP endpoint (`POST /sql`), the thing
 * `neon()` and drizzle's neon-http talk to when `neonConfig.fetchEndpoint`
 * points here. Values go back as raw Postgres text: the driver parses them
 * itself with the `dataTypeID` of each field, exactly as against Neon.
 */

type Param = string | number | boolean | null;
interface QueryInput {
  query: string;
  params: Param[];
}
interface QueryOutput {
  command: string;
  rowCount: number;
  rows: unknown[];
  fields: pg.FieldDef[];
  rowAsArray: boolean;
}

// Neon's driver parses every value client-side, so pg must not parse any.
const RAW_TEXT_TYPES = { getTypeParser: () => (value: string) => value };

// Fields of pg's DatabaseError that the driver copies onto NeonDbError.
const ERROR_FIELDS = [
  "severity", "code", "detail", "hint", "position", "internalPosition", "internalQuery", "where",
  "schema", "table", "column", "dataType", "constraint", "file", "line", "routine",
] as const;

const ISOLATION: Record<string, string> = {
  Serializable: "SERIALIZABLE",
  RepeatableRead: "REPEATABLE READ",
  ReadCommitted: "READ COMMITTED",
  ReadUncommitted: "READ UNCOMMITTED",
};

const MAX_BODY = 64 * 1024 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class SqlOverHttp {
  private readonly pools = new Map<string, pg.Pool>();
  /** POST /sql requests received: one database round trip each (a batch is one too). */
  requests = 0;

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    try {
      const connectionString = checkConnectionString(header(req, "neon-connection-string"));
      const body = parseBody(await readBody(req));
      const arrayMode = header(req, "neon-array-mode") === "true";
      const pool = this.pool(connectionString);
      if ("queries" in body) {
        const results = await runBatch(pool, body.queries, batchBegin(req), arrayMode);
        return sendJson(res, 200, { results });
      }
      return sendJson(res, 200, await runQuery(pool, body, arrayMode));
    } catch (err) {
      if (err instanceof HttpError) return sendJson(res, err.status, { message: err.message });
      return sendJson(res, 400, errorBody(err));
    }
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.end().catch(() => {})));
  }

  private pool(connectionString: string): pg.Pool {
    let pool = this.pools.get(connectionString);
    if (!pool) {
      pool = new pg.Pool({ connectionString, max: 4, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
      // An idle client dying (database restarted) must not crash the relay.
      pool.on("error", () => {});
      this.pools.set(connectionString, pool);
    }
    return pool;
  }
}

async function runQuery(runner: pg.Pool | pg.PoolClient, input: QueryInput, arrayMode: boolean): Promise<QueryOutput> {
  const result = await runner.query({
    text: input.query,
    values: input.params,
    rowMode: "array",
    types: RAW_TEXT_TYPES,
    // Neon always uses the extended protocol, which rejects several statements
    // in one query; forcing it keeps local behaviour honest.
    queryMode: "extended",
  } as pg.QueryArrayConfig);
  const fields = result.fields.map((f) => ({ ...f }));
  const rows = arrayMode
    ? result.rows
    : result.rows.map((row) => Object.fromEntries(fields.map((f, i) => [f.name, row[i]])));
  return { command: result.command, rowCount: result.rowCount ?? 0, rows, fields, rowAsArray: arrayMode };
}

async function runBatch(pool: pg.Pool, queries: QueryInput[], begin: string, arrayMode: boolean): Promise<QueryOutput[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(begin);
    try {
      const results: QueryOutput[] = [];
      for (const q of queries) results.push(await runQuery(client, q, arrayMode));
      await client.query("COMMIT");
      return results;
    } catch (err) {
      await client.query("ROLLBACK").catch((rollbackErr: Error) => (broken = rollbackErr));
      throw err;
    }
  } finally {
    client.release(broken);
  }
}

function batchBegin(req: IncomingMessage): string {
  const parts = ["BEGIN"];
  const level = header(req, "neon-batch-isolation-level");
  if (level !== undefined) {
    const sql = ISOLATION[level];
    if (!sql) throw new HttpError(400, `invalid Neon-Batch-Isolation-Level: ${level}`);
    parts.push("ISOLATION LEVEL", sql);
  }
  const readOnly = header(req, "neon-batch-read-only");
  if (readOnly !== undefined) parts.push(readOnly === "true" ? "READ ONLY" : "READ WRITE");
  const deferrable = header(req, "neon-batch-deferrable");
  if (deferrable !== undefined) parts.push(deferrable === "true" ? "DEFERRABLE" : "NOT DEFERRABLE");
  return parts.join(" ");
}

function checkConnectionString(raw: string | undefined): string {
  if (!raw) throw new HttpError(400, "missing Neon-Connection-String header");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HttpError(400, "Neon-Connection-String is not a valid URL");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new HttpError(400, "Neon-Connection-String must use postgres:// or postgresql://");
  }
  // pg lets ?host= override the URL host (including unix sockets), so check both.
  const hosts = [url.hostname, ...url.searchParams.getAll("host")];
  if (!hosts.every((h) => h !== "" && isLoopbackHost(h))) {
    throw new HttpError(400, "only loopback database hosts are allowed by the local SQL endpoint");
  }
  // Local servers speak plain TCP; a copied production string may ask for TLS.
  for (const key of ["sslmode", "ssl", "sslcert", "sslkey", "sslrootcert", "channel_binding"]) {
    url.searchParams.delete(key);
  }
  return url.toString();
}

function parseBody(text: string): QueryInput | { queries: QueryInput[] } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, "request body is not JSON");
  }
  if (isRecord(body) && Array.isArray(body.queries)) return { queries: body.queries.map(toQuery) };
  return toQuery(body);
}

function toQuery(value: unknown): QueryInput {
  if (!isRecord(value) || typeof value.query !== "string") {
    throw new HttpError(400, 'expected {"query": string, "params": [...]}');
  }
  const params = value.params ?? [];
  if (!Array.isArray(params)) throw new HttpError(400, "params must be an array");
  return { query: value.query, params: params as Param[] };
}

function errorBody(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const out: Record<string, unknown> = { message: err.message };
  const fields = err as unknown as Record<string, unknown>;
  for (const key of ERROR_FIELDS) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, "request body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
