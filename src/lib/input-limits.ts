/**
 * What the edge refuses in any input before a route sees it (issue 9 item 2, issue 10 item 6).
 *
 * PostgreSQL `text` and `jsonb` cannot hold U+0000, and a lone UTF-16 surrogate has no UTF-8 form,
 * so either one reaching a query fails as a 500; deep or very wide JSON costs the recursive code
 * behind the routes (canonical hashing, config filtering) stack and time out of proportion to its
 * size. Both are refused up front as 400 `validation_failed` naming the field.
 */

/** Deepest nesting of objects and arrays in one JSON body; the body itself is level 1. */
export const MAX_JSON_DEPTH = 32;
/** Most object keys in one JSON body, counted over every level. */
export const MAX_JSON_KEYS = 1000;
/** More problems than this in one input are not worth listing. */
const MAX_REPORTED = 20;

export interface InputProblem {
  path: (string | number)[];
  message: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");

/** Why `value` cannot be stored as PostgreSQL text, or null when it can. */
export function unstorableText(value: string): string | null {
  if (value.includes("\u0000")) return "must not contain the NUL character (U+0000)";
  if (LONE_SURROGATE.test(value)) return "must not contain a lone UTF-16 surrogate (U+D800–U+DFFF)";
  return null;
}

/** A key safe to echo in an error path: NUL spelled out, lone surrogates as U+FFFD. */
export function printable(key: string): string {
  return key.replace(/\u0000/g, "\\u0000").replace(LONE_SURROGATES, "\uFFFD");
}

interface Pending {
  value: unknown;
  path: (string | number)[];
  depth: number;
}

/**
 * Problems with a parsed JSON value: strings (values and keys, at any depth) that cannot be
 * stored, nesting deeper than {@link MAX_JSON_DEPTH}, more than {@link MAX_JSON_KEYS} keys.
 * Walks with an explicit stack, so a hostile depth cannot overflow the call stack here.
 * Returns at most 20 problems; an empty array means the value is acceptable.
 */
export function inspectJson(root: unknown): InputProblem[] {
  const problems: InputProblem[] = [];
  let keys = 0;
  const stack: Pending[] = [{ value: root, path: [], depth: 1 }];
  while (stack.length > 0 && problems.length < MAX_REPORTED) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === "string") {
      const why = unstorableText(value);
      if (why) problems.push({ path, message: why });
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth > MAX_JSON_DEPTH) {
      problems.push({ path, message: `nests deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i], depth: depth + 1 });
      continue;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    keys += entries.length;
    if (keys > MAX_JSON_KEYS) {
      return [{ path: [], message: `has more than ${MAX_JSON_KEYS} object keys in all` }];
    }
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const why = unstorableText(key);
      if (why) problems.push({ path: [...path, printable(key)], message: `key ${why}` });
      else stack.push({ value: child, path: [...path, key], depth: depth + 1 });
    }
  }
  return problems;
}
