/**
 * Follows the framing of the Postgres frontend (client → server) byte stream
 * so the relay can tell when the client has sent Terminate ('X', length 4).
 *
 * Why: pglite-socket keeps the TCP connection open after Terminate, while the
 * Neon driver's Client.end() waits for the server to hang up. The relay has to
 * hang up on the server's behalf, and only at a real message boundary: the
 * bytes 58 00 00 00 04 can legitimately appear inside a query or a bind value.
 */

// Untyped pre-startup requests carry a magic "protocol version" instead.
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const TERMINATE = 0x58;

type Phase = "startup" | "regular" | "off";

export class FrontendTracker {
  private phase: Phase = "startup";
  // Startup-phase headers are length + code (8 bytes); regular ones type + length (5).
  private readonly header = Buffer.alloc(8);
  private headerLen = 0;
  private bodyLeft = 0;
  // After SSLRequest/GSSENCRequest, what follows is plaintext only if the
  // server answers 'N'; until we know, client bytes are held for later parsing.
  private awaitingServer = false;
  private held: Buffer[] = [];

  /** Called with the type byte of every regular frontend message (e.g. 'S' Sync, 'Q' Query). */
  constructor(private readonly onMessage: (type: number) => void = () => {}) {}

  /** True while the tracker needs the server's first reply byte (see serverData). */
  get wantsServerByte(): boolean {
    return this.awaitingServer;
  }

  /**
   * Feeds client bytes. Returns the number of bytes of `chunk` up to and
   * including a Terminate message, or undefined if this chunk holds none.
   */
  feed(chunk: Buffer): number | undefined {
    if (this.phase === "off") return undefined;
    if (this.awaitingServer) {
      this.held.push(Buffer.from(chunk));
      return undefined;
    }
    return this.scan(chunk);
  }

  /**
   * Feeds the first server bytes seen after an encryption request. Returns true
   * when previously held (already forwarded) client bytes contained Terminate.
   */
  serverData(chunk: Buffer): boolean {
    if (!this.awaitingServer || chunk.length === 0) return false;
    this.awaitingServer = false;
    const held = Buffer.concat(this.held);
    this.held = [];
    // 'S' / 'G' mean the rest of the stream is encrypted: nothing to follow.
    if (chunk[0] !== 0x4e /* 'N' */) {
      this.phase = "off";
      return false;
    }
    return held.length > 0 && this.scan(held) !== undefined;
  }

  private scan(chunk: Buffer): number | undefined {
    let i = 0;
    while (i < chunk.length && this.phase !== "off") {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= n;
        i += n;
        continue;
      }
      const size = this.phase === "startup" ? 8 : 5;
      const n = Math.min(size - this.headerLen, chunk.length - i);
      chunk.copy(this.header, this.headerLen, i, i + n);
      this.headerLen += n;
      i += n;
      if (this.headerLen < size) break;
      this.headerLen = 0;

      if (this.phase === "startup") {
        const len = this.header.readInt32BE(0);
        const code = this.header.readInt32BE(4);
        if (len < 8) {
          this.phase = "off";
          break;
        }
        this.bodyLeft = len - 8;
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.awaitingServer = true;
          if (i < chunk.length) this.held.push(Buffer.from(chunk.subarray(i)));
          return undefined;
        }
        // A cancel connection carries nothing else; a real startup moves on.
        this.phase = code === CANCEL_REQUEST ? "off" : "regular";
        continue;
      }

      const type = this.header[0];
      const len = this.header.readInt32BE(1);
      if (len < 4) {
        this.phase = "off";
        break;
      }
      this.bodyLeft = len - 4;
      this.onMessage(type!);
      if (type === TERMINATE && len === 4) {
        this.phase = "off";
        return i;
      }
    }
    return undefined;
  }
}
