// How long the test run's local stack took to start, handed from test/global-setup.ts to the
// profile reporter (scripts/test-profile/reporter.ts). Both run in Vitest's main process, but each
// is loaded by its own module loader, so the hand-over goes through a process-wide symbol rather
// than a module variable.

/** The stack's start-up in ms: the whole, and its parts (database, migrations, cache ...). */
export interface StackTimings {
  total: number;
  /** When the stack was ready (Date.now()). */
  readyAt: number;
  parts: Record<string, number>;
}

const KEY = Symbol.for("agent-marketplace.test-profile.stack-timings");

export function recordStackTimings(timings: StackTimings): void {
  (globalThis as Record<symbol, unknown>)[KEY] = timings;
}

export function readStackTimings(): StackTimings | undefined {
  return (globalThis as Record<symbol, unknown>)[KEY] as StackTimings | undefined;
}
