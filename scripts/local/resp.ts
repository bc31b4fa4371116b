import { connect, type Socket } from "node:net";

/**
 * Minimal RESP2 client: just enough to forward arbitrary commands to a local
 * redis-server and keep every reply's type, which the REST encoding needs
 * (a status "OK" and a bulk "OK" are encoded differently).
 */

export type RespReply =
  | { type: "simple"; value: string }
  | { type: "error"; value: string }
  | { type: "integer"; value: number }
  | { type: "bulk"; value: Buffer | null }
  | { type: "array"; value: RespReply[] | null };

export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === "string" ? Buffer.from(arg, "utf8") : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/** Not enough bytes yet; `need` is a lower bound on the buffer length required. */
type Incomplete = { incomplete: true; need: number };
type Parsed = { reply: RespReply; end: number } | Incomplete;

/** Parses one reply starting at `pos`, or reports how many bytes are needed at least. */
export function parseReply(buf: Buffer, pos: number): Parsed {
  const lineEnd = buf.indexOf("\r\n", pos);
  if (lineEnd < 0) return { incomplete: true, need: buf.length + 1 };
  const prefix = buf[pos];
  const line = buf.toString("utf8", pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (prefix) {
    case 0x2b /* + */:
      return { reply: { type: "simple", value: line }, end: next };
    case 0x2d /* - */:
      return { reply: { type: "error", value: line }, end: next };
    case 0x3a /* : */:
      return { reply: { type: "integer", value: Number(line) }, end: next };
    case 0x24 /* $ */: {
      const len = Number(line);
      if (len < 0) return { reply: { type: "bulk", value: null }, end: next };
      if (buf.length < next + len + 2) return { incomplete: true, need: next + len + 2 };
      return { reply: { type: "bulk", value: Buffer.from(buf.subarray(next, next + len)) }, end: next + len + 2 };
    }
    case 0x2a /* * */: {
      const count = Number(line);
      if (count < 0) return { reply: { type: "array", value: null }, end: next };
      const items: RespReply[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if ("incomplete" in item) return item;
        items.push(item.reply);
        at = item.end;
      }
      return { reply: { type: "array", value: items }, end: at };
    }
    default:
      throw new Error(`unexpected RESP type byte 0x${(prefix ?? 0).toString(16)}`);
  }
}

interface Pending {
  resolve(reply: RespReply): void;
  reject(err: Error): void;
}

/** One connection; replies are matched to commands in order (RESP is FIFO). */
export class RespConnection {
  // Unparsed bytes are kept as chunks and only joined once enough have arrived,
  // so a multi-megabyte bulk reply is not re-copied on every TCP chunk.
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = 1;
  private readonly pending: Pending[] = [];
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("redis connection closed")));
  }

  static open(host: string, port: number, timeoutMs = 5_000): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => socket.destroy(new Error(`redis connect timeout ${host}:${port}`)), timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.off("error", reject);
        resolve(new RespConnection(socket));
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get healthy(): boolean {
    return this.failure === undefined && this.pending.length === 0;
  }

  /** Writes all commands in one go (pipelining) and resolves with every reply. */
  send(commands: readonly (readonly (string | Buffer)[])[]): Promise<RespReply[]> {
    if (this.failure) return Promise.reject(this.failure);
    const replies = commands.map(
      () => new Promise<RespReply>((resolve, reject) => this.pending.push({ resolve, reject })),
    );
    this.socket.write(Buffer.concat(commands.map(encodeCommand)));
    return Promise.all(replies);
  }

  close(): void {
    this.fail(new Error("redis connection closed by client"));
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.need) return;
    const buffer = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.buffered);
    let pos = 0;
    try {
      while (pos < buffer.length) {
        const parsed = parseReply(buffer, pos);
        if ("incomplete" in parsed) {
          this.need = parsed.need - pos;
          break;
        }
        pos = parsed.end;
        const waiter = this.pending.shift();
        if (!waiter) throw new Error("redis sent a reply nobody asked for");
        waiter.resolve(parsed.reply);
      }
    } catch (err) {
      this.fail(err as Error);
      this.socket.destroy();
      return;
    }
    const rest = buffer.subarray(pos);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    if (rest.length === 0) this.need = 1;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.pending.splice(0)) waiter.reject(err);
  }
}
