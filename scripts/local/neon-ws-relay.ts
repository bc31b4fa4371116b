import type { IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { isLoopbackHost, splitHostPort } from "./loopback.ts";
import { FrontendTracker } from "./pg-frontend-tracker.ts";

// Above this many unsent bytes toward the browser-side socket we stop reading
// from Postgres, so a huge result set cannot balloon the relay's memory.
const HIGH_WATER = 4 * 1024 * 1024;
const SYNC = 0x53; // 'S'
const SIMPLE_QUERY = 0x51; // 'Q'

/** Upgrades `/v1?address=host:port` requests into a WebSocket ⇄ TCP pipe. */
export class WsTcpRelay {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly open = new Set<{ ws: WebSocket; tcp: Socket }>();
  /**
   * Query round trips seen on the WebSocket path: one per extended-protocol cycle (ended by Sync)
   * or simple Query message, which is what the driver waits on before it can go on.
   */
  queryCycles = 0;

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://relay.invalid");
    if (url.pathname !== "/v1") return reject(socket, 404, "unknown path");
    const target = splitHostPort(url.searchParams.get("address") ?? "");
    if (!target) return reject(socket, 400, "address must be host:port");
    // Refuse before connecting anywhere: the relay must never reach off-box hosts.
    if (!isLoopbackHost(target.host)) return reject(socket, 403, "only loopback addresses are relayed");
    this.wss.handleUpgrade(req, socket, head, (ws) => this.pipe(ws, target.host, target.port));
  }

  /** Drops every open pipe; used by the relay's close(). */
  closeAll(): Promise<void> {
    for (const { ws, tcp } of this.open) {
      tcp.destroy();
      ws.terminate();
    }
    this.open.clear();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private pipe(ws: WebSocket, host: string, port: number): void {
    const tcp = connect({ host, port });
    tcp.setNoDelay(true);
    const entry = { ws, tcp };
    this.open.add(entry);
    const tracker = new FrontendTracker((type) => {
      if (type === SYNC || type === SIMPLE_QUERY) this.queryCycles += 1;
    });
    let closed = false;

    const shutdown = (code = 1000): void => {
      if (closed) return;
      closed = true;
      this.open.delete(entry);
      // end() lets queued bytes (e.g. the Terminate itself) reach the server first.
      tcp.end(() => tcp.destroy());
      setTimeout(() => tcp.destroy(), 1000).unref();
      if (ws.readyState === WebSocket.OPEN) ws.close(code);
      else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    };

    ws.on("message", (data: RawData) => {
      if (closed) return;
      const chunk = toBuffer(data);
      const cut = tracker.feed(chunk);
      if (cut === undefined) {
        if (!tcp.write(chunk)) ws.pause();
        return;
      }
      tcp.write(chunk.subarray(0, cut));
      shutdown();
    });
    ws.on("close", () => shutdown());
    ws.on("error", () => shutdown(1011));
    tcp.on("drain", () => ws.resume());

    tcp.on("data", (chunk: Buffer) => {
      if (closed) return;
      const terminatedEarlier = tracker.wantsServerByte && tracker.serverData(chunk);
      ws.send(chunk, { binary: true }, () => {
        if (tcp.isPaused() && ws.bufferedAmount < HIGH_WATER) tcp.resume();
      });
      if (ws.bufferedAmount >= HIGH_WATER) tcp.pause();
      if (terminatedEarlier) shutdown();
    });
    tcp.on("close", () => shutdown());
    // 1011 tells the driver the database side failed (e.g. connection refused).
    tcp.on("error", () => shutdown(1011));
  }
}

function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return data;
}

function reject(socket: Duplex, status: number, message: string): void {
  const reason = { 400: "Bad Request", 403: "Forbidden", 404: "Not Found" }[status] ?? "Error";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
  socket.on("error", () => {});
}
