/**
 * A value from a Redis reply as the Upstash client hands it over: the client parses JSON replies
 * itself, so a stored JSON value may arrive as text or already parsed. Text is parsed; anything
 * else is returned as is; absent (`null`, `undefined`, a Lua `false`) and text that is not JSON
 * are `null`. Callers check the shape they expect.
 */
export function parseReply(value: unknown): unknown {
  if (value === null || value === undefined || value === false) return null;
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}
