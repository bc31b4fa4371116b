import { TrieRouter } from "hono/router/trie-router";
import { boundedMemo } from "./memo";

interface RegisteredRoute {
  method: string;
  path: string;
}

/**
 * Which methods each path answers, derived from the routes the app registered (no hand list), for
 * 405 Method Not Allowed with its `Allow` header (RFC 9110 §15.5.6). Hono answers HEAD wherever it
 * answers GET, so HEAD is listed with GET. Returns a lookup from a request path to its methods,
 * sorted; an empty list means no route has that path at all (a 404).
 */
export function allowedMethodsOf(routes: readonly RegisteredRoute[]): (path: string) => string[] {
  const router = new TrieRouter<string>();
  const seen = new Set<string>();
  for (const { method, path } of routes) {
    // "ALL" entries are global middleware (`app.use`), not operations.
    if (method === "ALL" || seen.has(`${method} ${path}`)) continue;
    seen.add(`${method} ${path}`);
    router.add("ALL", path, method);
  }
  // Remembered per path (an unknown path's 404 would search the routes every time); callers copy, never change, the list.
  return boundedMemo((path) => {
    const [matches] = router.match("GET", path);
    const methods = new Set(matches.map(([method]) => method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  }, ALLOWED_MEMO_ENTRIES);
}

/** Distinct paths whose methods an app remembers. */
const ALLOWED_MEMO_ENTRIES = 1_000;
