import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface PgliteServer {
  port: number;
  connectionString: string;
  db: PGlite;
  close(): Promise<void>;
}

/**
 * PGlite (Postgres in WASM) exposed on a loopback TCP port by pglite-socket.
 * `dataDir` undefined means in-memory (slower start: initdb runs every time).
 */
export async function startPgliteServer(opts: { port?: number; dataDir?: string } = {}): Promise<PgliteServer> {
  const db = opts.dataDir ? new PGlite(opts.dataDir) : new PGlite();
  await db.waitReady;
  // pglite-socket defaults to one connection; the relay's pool and the
  // WebSocket clients need several at once (PGlite still serialises them).
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: opts.port ?? 0, maxConnections: 32 });
  await server.start();
  const port = Number(server.getServerConn().split(":").pop());
  let closing: Promise<void> | undefined;
  return {
    port,
    connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    db,
    close: () =>
      (closing ??= (async () => {
        await server.stop();
        await db.close();
      })()),
  };
}
