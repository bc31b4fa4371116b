import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SqlOverHttp, sendJson } from "./neon-sql-http.ts";
import { WsTcpRelay } from "./neon-ws-relay.ts";

export interface DatabaseRoundTrips {
  /** SQL-over-HTTP requests (neon()). */
  http: number;
  /** Sync / simple-Query cycles on WebSocket connections (Pool, Client). */
  ws: number;
  total: number;
}

export interface NeonRelay {
  port: number;
  /** Base URL, e.g. http://127.0.0.1:PORT (the SQL endpoint is `${url}/sql`). */
  url: string;
  /** Database round trips relayed so far (also served as JSON at GET /__counters). */
  counters(): DatabaseRoundTrips;
  close(): Promise<void>;
}

/**
 * One local server for both transports of `@neondatabase/serverless`:
 * WebSocket upgrades on /v1 (Pool/Client, via neonConfig.wsProxy) and
 * POST /sql (neon(), via neonConfig.fetchEndpoint). Only loopback databases
 * are reachable through it.
 */
export async function startNeonRelay(opts: { port?: number; host?: string } = {}): Promise<NeonRelay> {
  const host = opts.host ?? "127.0.0.1";
  const sql = new SqlOverHttp();
  const ws = new WsTcpRelay();
  const counters = (): DatabaseRoundTrips => ({ http: sql.requests, ws: ws.queryCycles, total: sql.requests + ws.queryCycles });

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://relay.invalid").pathname;
    if (req.method === "GET" && path === "/health") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    } else if (req.method === "GET" && path === "/__counters") {
      sendJson(res, 200, counters());
    } else if (req.method === "POST" && path === "/sql") {
      void sql.handle(req, res);
    } else {
      sendJson(res, 404, { message: `no route for ${req.method} ${path}` });
    }
  });
  server.on("upgrade", (req, socket, head) => ws.handleUpgrade(req, socket, head));
  // Keep-alive sockets from fetch would otherwise hold close() open.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${urlHost}:${port}`,
    counters,
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await ws.closeAll();
        await sql.close();
        await stopped;
      })()),
  };
}
