import { isolateCaches } from "../../lib/isolate-caches";

/**
 * The isolate-memory tier of the assembled-context cache (issue 15 item 6): a bounded LRU of
 * response bodies in front of the Redis entries, so a repeated read in the same isolate does not
 * move the body (hundreds of KB for an agent with several plugins) over the network again.
 *
 * An entry is served only under the tag read in the same request (context-cache.ts: the catalog
 * token from Redis, the safety generations from PostgreSQL), exactly as a Redis entry is: it can
 * never be staler than the Redis tier, a takedown or workspace write committed before the request
 * makes it stale whatever Redis did, and with Redis unreachable nothing is served from memory. It holds strings only (no I/O objects,
 * which Workers forbid sharing between requests), so one instance per isolate is safe.
 */
export class ContextMemory {
  private readonly entries = new Map<string, { tag: string; body: string; bytes: number }>();
  private bytes = 0;

  constructor(private maxBytes: number) {}

  /** Bytes held now (UTF-16 code units × 2, an upper bound on the strings' size). */
  get size(): number {
    return this.bytes;
  }

  /** The body stored under `key` when it was built under `tag`; a hit becomes the most recent. */
  get(key: string, tag: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.tag !== tag) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.body;
  }

  /** The tag of the body held under `key`, whatever it is (sent to Redis so a current copy is not sent back). */
  tagOf(key: string): string | undefined {
    return this.entries.get(key)?.tag;
  }

  /** Stores the body, evicting the least recently used entries beyond the budget; a body over the whole budget is not kept. */
  set(key: string, tag: string, body: string): void {
    this.delete(key);
    const bytes = (key.length + tag.length + body.length) * 2;
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { tag, body, bytes });
    this.bytes += bytes;
    this.evict();
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  /** A new budget (the configured one may differ per deployment); shrinking evicts at once. */
  resize(maxBytes: number): void {
    this.maxBytes = maxBytes;
    this.evict();
  }

  private evict(): void {
    for (const [key] of this.entries) {
      if (this.bytes <= this.maxBytes) return;
      this.delete(key);
    }
  }
}

/** Default budget of the memory tier: 16 MiB of the isolate's 128 MB. */
export const DEFAULT_CONTEXT_MEMORY_BYTES = 16 * 1024 * 1024;
const MAX_CONTEXT_MEMORY_BYTES = 64 * 1024 * 1024;

/**
 * CONTEXT_MEMORY_BYTES: an integer 0–67,108,864 (0 turns the tier off); anything else gives the
 * default, DEFAULT_CONTEXT_MEMORY_BYTES.
 */
export function contextMemoryBytes(configured: string | undefined): number {
  const parsed = Number(configured);
  return configured && Number.isInteger(parsed) && parsed >= 0 && parsed <= MAX_CONTEXT_MEMORY_BYTES ? parsed : DEFAULT_CONTEXT_MEMORY_BYTES;
}

// Isolate scope on purpose: the tier exists to outlive a request. See the class comment for why
// sharing it between requests is safe.
const isolateMemory = new ContextMemory(DEFAULT_CONTEXT_MEMORY_BYTES);
isolateCaches.register("assembled-context memory tier", () => isolateMemory.clear());

/** The isolate's memory tier, sized by CONTEXT_MEMORY_BYTES. */
export function isolateContextMemory(configured: string | undefined): ContextMemory {
  isolateMemory.resize(contextMemoryBytes(configured));
  return isolateMemory;
}
