import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { RedisPool } from "./redis-pool.ts";
import type { RespConnection } from "./resp.ts";
import { replyToEntry, replyToJson } from "./upstash-encoding.ts";

export interface UpstashShim {
  /** Use as UPSTASH_REDIS_REST_URL. */
  url: string;
  port: number;
  /** Use as UPSTASH_REDIS_REST_TOKEN. */
  token: string;
  /** HTTP requests received so far, whatever their path (also GET /__counters, with the token). */
  requests(): number;
  /** Bytes of the response bodies sent so far, counters excluded (GET /__counters: `responseBytes`). */
  responseBytes(): number;
  close(): Promise<void>;
}

type Command = string[];

// Commands that would leave a pooled connection in a state the next request
// does not expect (subscribed, inside MULTI, other db, RESP3, closed).
const FORBIDDEN = new Set([
  "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe",
  "monitor", "multi", "exec", "discard", "watch", "unwatch", "select", "swapdb", "quit",
  "reset", "hello", "sync", "psync", "replicaof", "slaveof", "shutdown", "debug",
]);

const MAX_BODY = 64 * 1024 * 1024;

class RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * The Upstash Redis REST API (`POST /`, `/pipeline`, `/multi-exec`, plus the
 * path form `/get/key`) in front of a real redis-server, so @upstash/redis can
 * be used unmodified with its default options.
 */
export async function startUpstashShim(opts: {
  redisHost?: string;
  redisPort: number;
  token: string;
  port?: number;
}): Promise<UpstashShim> {
  if (!opts.token) throw new Error("startUpstashShim: token must be non-empty");
  const pool = new RedisPool(opts.redisHost ?? "127.0.0.1", opts.redisPort);
  let requests = 0;
  let responseBytes = 0;
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/__counters") {
      const url = new URL(req.url, "http://shim.invalid");
      if (!authorized(req, url, opts.token)) return send(res, 401, { error: "Unauthorized" });
      return send(res, 200, { requests, responseBytes });
    }
    requests += 1;
    res.on("finish", () => (responseBytes += Number(res.getHeader("content-length") ?? 0)));
    handle(req, res, pool, opts.token).catch((err: unknown) => {
      if (err instanceof RequestError) send(res, err.status, { error: err.message });
      else send(res, 502, { error: `ERR redis unavailable: ${(err as Error).message}` });
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token: opts.token,
    requests: () => requests,
    responseBytes: () => responseBytes,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        pool.close();
      })),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, pool: RedisPool, token: string): Promise<void> {
  const url = new URL(req.url ?? "/", "http://shim.invalid");
  if (!authorized(req, url, token)) return send(res, 401, { error: "Unauthorized" });
  const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
  const body = await readBody(req);
  const path = url.pathname.replace(/\/+$/, "");

  if (path === "/pipeline" || path === "/multi-exec") {
    const commands = parseCommandList(body);
    if (path === "/pipeline") {
      const replies = await pool.use((conn) => conn.send(commands));
      return send(res, 200, replies.map((r) => replyToEntry(r, base64)));
    }
    return send(res, 200, await pool.use((conn) => multiExec(conn, commands, base64)));
  }

  const command = path === "" ? toCommand(parseJson(body)) : pathCommand(path, req.method, body);
  const [reply] = await pool.use((conn) => conn.send([command]));
  if (!reply) throw new Error("no reply");
  if (reply.type === "error") return send(res, 400, { error: reply.value });
  return send(res, 200, { result: replyToJson(reply, base64) });
}

/**
 * Runs the commands between MULTI and EXEC on one connection. A queue-time
 * error (unknown command, wrong arity) makes redis abort the whole
 * transaction, which is answered with HTTP 400 like a failed single command;
 * run-time errors (e.g. WRONGTYPE) come back per entry, as from Upstash.
 */
async function multiExec(conn: RespConnection, commands: Command[], base64: boolean): Promise<unknown[]> {
  const replies = await conn.send([["multi"], ...commands, ["exec"]]);
  const exec = replies[replies.length - 1];
  if (!exec) throw new Error("no EXEC reply");
  if (exec.type === "error") {
    const queued = replies.slice(1, -1);
    const first = queued.findIndex((r) => r.type === "error");
    const cause = queued[first];
    const detail = cause?.type === "error" ? ` (command ${first + 1}: ${cause.value})` : "";
    throw new RequestError(400, `${exec.value}${detail}`);
  }
  if (exec.type !== "array" || exec.value === null) throw new RequestError(400, "ERR transaction aborted");
  return exec.value.map((r) => replyToEntry(r, base64));
}

function authorized(req: IncomingMessage, url: URL, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const given = /^Bearer\s+(.+)$/i.exec(header)?.[1] ?? url.searchParams.get("_token") ?? "";
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseCommandList(body: string): Command[] {
  const list = parseJson(body);
  if (!Array.isArray(list) || list.length === 0) {
    throw new RequestError(400, "ERR expected a non-empty JSON array of commands");
  }
  return list.map(toCommand);
}

function toCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0 || typeof value[0] !== "string") {
    throw new RequestError(400, 'ERR expected a command as a JSON array, e.g. ["get","key"]');
  }
  // The client sends numbers and booleans as JSON scalars; redis wants bulk strings.
  const args = value.map((arg: unknown) => {
    if (typeof arg === "string") return arg;
    if (typeof arg === "number" || typeof arg === "boolean") return String(arg);
    if (arg === null) throw new RequestError(400, "ERR null is not a valid command argument");
    return JSON.stringify(arg);
  });
  const name = args[0]!.toLowerCase();
  if (FORBIDDEN.has(name)) throw new RequestError(400, `ERR Command is not allowed over REST: ${name}`);
  return args;
}

// Upstash also accepts `/set/key/value` style URLs, with a POST body as last argument.
function pathCommand(path: string, method: string | undefined, body: string): Command {
  let parts: string[];
  try {
    parts = path.split("/").slice(1).map((p) => decodeURIComponent(p));
  } catch {
    throw new RequestError(400, "ERR malformed percent-encoding in URL");
  }
  if (method === "POST" && body !== "") parts.push(body);
  return toCommand(parts);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RequestError(400, "ERR request body is not valid JSON");
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new RequestError(413, "ERR request body too large"));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  // Set before writeHead so the byte counter's `finish` listener can read the length back.
  res.setHeader("content-type", "application/json");
  res.setHeader("content-length", Buffer.byteLength(text));
  res.writeHead(status);
  res.end(text);
}
