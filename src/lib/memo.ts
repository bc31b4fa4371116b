/**
 * A pure function of a string remembered for its last `maxEntries` distinct arguments (oldest
 * first out), arguments longer than `maxKeyLength` characters computed every time: what the
 * request path costs to route once, for the paths an isolate sees again and again (issue 32 item
 * 2). Only for functions whose answer depends on the argument and the code alone, never on data,
 * and whose answer the callers never change: a remembered answer is then always right, and the
 * memo need not be emptied between tests (it lives in the object that owns `compute`).
 */
export function boundedMemo<V>(compute: (key: string) => V, maxEntries: number, maxKeyLength = 512): (key: string) => V {
  const remembered = new Map<string, V>();
  return (key) => {
    const hit = remembered.get(key);
    if (hit !== undefined) return hit;
    const value = compute(key);
    if (key.length <= maxKeyLength) {
      if (remembered.size >= maxEntries) remembered.delete(remembered.keys().next().value!);
      remembered.set(key, value);
    }
    return value;
  };
}
