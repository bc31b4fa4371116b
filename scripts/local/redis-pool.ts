import { RespConnection } from "./resp.ts";

/**
 * A few reusable redis connections. Each HTTP request borrows one for its
 * whole pipeline so MULTI…EXEC and reply ordering stay on one socket.
 */
export class RedisPool {
  private readonly idle: RespConnection[] = [];
  private readonly waiters: ((conn: RespConnection | Error) => void)[] = [];
  private size = 0;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly max = 8,
  ) {}

  async use<T>(fn: (conn: RespConnection) => Promise<T>): Promise<T> {
    const conn = await this.acquire();
    try {
      return await fn(conn);
    } finally {
      this.release(conn);
    }
  }

  close(): void {
    this.closed = true;
    for (const conn of this.idle.splice(0)) conn.close();
    for (const waiter of this.waiters.splice(0)) waiter(new Error("redis pool closed"));
  }

  private async acquire(): Promise<RespConnection> {
    if (this.closed) throw new Error("redis pool closed");
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.size < this.max) {
      this.size++;
      try {
        return await RespConnection.open(this.host, this.port);
      } catch (err) {
        this.size--;
        throw err;
      }
    }
    const got = await new Promise<RespConnection | Error>((resolve) => this.waiters.push(resolve));
    if (got instanceof Error) throw got;
    return got;
  }

  private release(conn: RespConnection): void {
    // A connection with unanswered commands or a dead socket is not reusable.
    if (this.closed || !conn.healthy) {
      conn.close();
      this.size--;
      if (!this.closed) this.openForWaiter();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(conn);
    else this.idle.push(conn);
  }

  private openForWaiter(): void {
    const waiter = this.waiters.shift();
    if (!waiter) return;
    this.size++;
    RespConnection.open(this.host, this.port).then(waiter, (err: Error) => {
      this.size--;
      waiter(err);
    });
  }
}
