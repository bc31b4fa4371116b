import type { RespReply } from "./resp.ts";

/**
 * Turns a RESP reply into the JSON value Upstash's REST API returns.
 *
 * With `Upstash-Encoding: base64`, @upstash/redis 1.39 runs every string it
 * gets through atob(), except a top-level result that is exactly "OK"; inside
 * arrays it decodes unconditionally. So every string (bulk *and* status, e.g.
 * PONG or a TYPE answer) must be base64 here, or the client turns it into
 * mojibake; only a top-level status "OK" may stay plain, as Upstash sends it.
 */
export function replyToJson(reply: RespReply, base64: boolean, topLevel = true): unknown {
  switch (reply.type) {
    case "integer":
      return reply.value;
    case "simple":
      if (!base64 || (topLevel && reply.value === "OK")) return reply.value;
      return Buffer.from(reply.value, "utf8").toString("base64");
    case "error":
      // Only reachable nested (e.g. an error inside an EVAL table); surface the text.
      return base64 ? Buffer.from(reply.value, "utf8").toString("base64") : reply.value;
    case "bulk":
      if (reply.value === null) return null;
      return base64 ? reply.value.toString("base64") : reply.value.toString("utf8");
    case "array":
      return reply.value === null ? null : reply.value.map((item) => replyToJson(item, base64, false));
  }
}

/** Shape of one pipeline / multi-exec entry. */
export function replyToEntry(reply: RespReply, base64: boolean): { result: unknown } | { error: string } {
  return reply.type === "error" ? { error: reply.value } : { result: replyToJson(reply, base64) };
}
