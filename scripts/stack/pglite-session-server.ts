// A PostgreSQL wire-protocol server in front of one PGlite session that behaves, under concurrency,
// like a real server running one transaction at a time.
//
// PGlite has a single backend session. @electric-sql/pglite-socket shares it between connections
// message by message and only keeps a connection's turn while PGlite reports an *explicit*
// transaction block, so another connection's Parse/Bind could land between a client's Parse and
// Sync (unnamed statements and portals are per session), and a failed query could stall its queue
// (issue 10 item 9: false 404s and 500s under five concurrent submits). Here a connection takes the
// session for a whole unit of work: from its first message until a simple Query, a Sync or the
// startup message has run *and* the session is outside a transaction block. Everyone else's
// messages wait, in arrival order. A connection that goes away while holding the session has its
// pending extended-protocol batch ended and its transaction rolled back before the next one runs.
import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);
/**
 * Like PostgreSQL's idle_in_transaction_session_timeout: a connection that holds the session but
 * sends nothing for this long is closed (and so rolled back), since here it would stall everyone.
 */
const DEFAULT_IDLE_HOLD_MS = 60_000;
/** Frontend messages after which the backend answers ReadyForQuery: the end of a unit of work. */
const UNIT_ENDS = new Set(["Q", "S"]);

export interface SessionServer {
  port: number;
  close(): Promise<void>;
}

class Connection {
  buffer: Buffer = Buffer.alloc(0);
  /** Complete frontend messages not yet run; `startup` marks the untyped first one. */
  pending: Array<{ message: Uint8Array; startup: boolean }> = [];
  /** The startup message has been read (every later message starts with a type byte). */
  started = false;
  running = false;
  closed = false;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  constructor(readonly socket: Socket) {}
}

/** Who has the PGlite session, and who waits for it (FIFO). */
class SessionLock {
  private owner: Connection | null = null;
  private waiters: Array<{ connection: Connection; wake: (granted: boolean) => void }> = [];

  holds(connection: Connection): boolean {
    return this.owner === connection;
  }

  /** Resolves true once `connection` holds the session, false if it closed while waiting. */
  acquire(connection: Connection): Promise<boolean> {
    if (this.owner === connection) return Promise.resolve(true);
    if (this.owner === null) {
      this.owner = connection;
      return Promise.resolve(true);
    }
    return new Promise((wake) => this.waiters.push({ connection, wake }));
  }

  release(connection: Connection): void {
    if (this.owner !== connection) return;
    const next = this.waiters.shift();
    this.owner = next?.connection ?? null;
    next?.wake(true);
  }

  forget(connection: Connection): void {
    const waiting = this.waiters.filter((w) => w.connection === connection);
    this.waiters = this.waiters.filter((w) => w.connection !== connection);
    for (const w of waiting) w.wake(false);
  }
}

/**
 * Serves `db` on host:port (0 = any free port). Each TCP connection is one client session as far
 * as the client can tell; transactions from different connections never interleave.
 */
export async function startSessionServer(db: PGlite, opts: { host: string; port: number; idleHoldMs?: number }): Promise<SessionServer> {
  const idleHoldMs = opts.idleHoldMs ?? DEFAULT_IDLE_HOLD_MS;
  await db.waitReady;
  const lock = new SessionLock();
  const connections = new Set<Connection>();

  const execute = (connection: Connection, message: Uint8Array) =>
    db.runExclusive(() =>
      db.execProtocolRawStream(message, {
        onRawData: (data) => {
          if (!connection.closed && connection.socket.writable) connection.socket.write(Buffer.from(data));
        },
      }),
    );

  /** Ends whatever the departed owner left open, so the next connection starts on a clean session. */
  const cleanUp = async (connection: Connection) => {
    lock.forget(connection);
    if (!lock.holds(connection)) return;
    try {
      // A Sync closes an unfinished (or failed) extended-protocol batch; then leave any transaction.
      await db.runExclusive(() => db.execProtocolRawStream(SYNC, { onRawData: () => {} }));
      if (db.isInTransaction()) await db.exec("ROLLBACK");
    } finally {
      lock.release(connection);
    }
  };

  const pump = async (connection: Connection) => {
    if (connection.running) return;
    connection.running = true;
    try {
      while (!connection.closed && connection.pending.length > 0) {
        const { message, startup } = connection.pending.shift()!;
        if (!(await lock.acquire(connection))) break;
        try {
          await execute(connection, message);
        } catch (error) {
          // PGlite reports SQL errors in the stream; a throw here means the session itself broke.
          connection.socket.destroy(error instanceof Error ? error : new Error(String(error)));
          break;
        }
        const endsUnit = startup || UNIT_ENDS.has(String.fromCharCode(message[0]!));
        if (endsUnit && !db.isInTransaction()) lock.release(connection);
      }
      if (lock.holds(connection) && !connection.closed) {
        connection.idleTimer = setTimeout(() => connection.socket.destroy(), idleHoldMs);
        connection.idleTimer.unref();
      }
    } finally {
      connection.running = false;
      if (connection.closed) await cleanUp(connection);
    }
  };

  const onData = (connection: Connection, chunk: Buffer) => {
    clearTimeout(connection.idleTimer);
    connection.buffer = Buffer.concat([connection.buffer, chunk]);
    for (;;) {
      const buffer = connection.buffer;
      if (!connection.started) {
        if (buffer.length < 8) break;
        const length = buffer.readInt32BE(0);
        const code = buffer.readInt32BE(4);
        if (buffer.length < length) break;
        connection.buffer = buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          connection.socket.write("N");
          continue;
        }
        if (code === CANCEL_REQUEST || code !== PROTOCOL_3) {
          // PGlite has no second backend to signal; a cancel connection just closes.
          connection.socket.end();
          return;
        }
        connection.pending.push({ message: new Uint8Array(buffer.subarray(0, length)), startup: true });
        connection.started = true;
        continue;
      }
      if (buffer.length < 5) break;
      const length = 1 + buffer.readInt32BE(1);
      if (buffer.length < length) break;
      connection.buffer = buffer.subarray(length);
      if (buffer[0] === 0x58 /* X: Terminate */) {
        connection.socket.end();
        return;
      }
      connection.pending.push({ message: new Uint8Array(buffer.subarray(0, length)), startup: false });
    }
    void pump(connection);
  };

  const server: Server = createServer((socket) => {
    const connection = new Connection(socket);
    connections.add(connection);
    socket.setNoDelay(true);
    socket.on("data", (chunk) => onData(connection, chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(connection.idleTimer);
      connections.delete(connection);
      connection.closed = true;
      connection.pending = [];
      if (!connection.running) void cleanUp(connection);
      else lock.forget(connection);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the session server has no TCP address");
  return {
    port: address.port,
    async close() {
      for (const connection of connections) connection.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
