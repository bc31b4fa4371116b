/**
 * Every cache kept at isolate scope (module-level state that outlives a request), registered by
 * name, so that one call empties them all (design.md §47). Tests call `isolateCaches.clear()`
 * before each file: the Workers test project reuses one isolate for many files, and no file may
 * see what another left in memory. Nothing in production calls `clear`.
 *
 * Module scope on purpose: the registry itself is the list of isolate-scope caches; it holds only
 * functions that empty them.
 */
const clearers = new Map<string, () => void>();

export const isolateCaches = {
  /** Registers a cache under a unique name; `clear` must leave it as a fresh isolate has it. */
  register(name: string, clear: () => void): void {
    if (clearers.has(name)) throw new Error(`isolate cache ${name} is registered twice`);
    clearers.set(name, clear);
  },
  /** Empties every registered cache. */
  clear(): void {
    for (const clear of clearers.values()) clear();
  },
  /** The registered names, for tests that check a cache is registered. */
  names(): string[] {
    return [...clearers.keys()];
  },
};
