import { deepStrictEqual } from "node:assert/strict";

/** Tiny runner: every check prints one PASS/FAIL line and never stops the rest. */
export class Checks {
  passed = 0;
  failed = 0;

  async run(name: string, fn: () => unknown, timeoutMs = 20_000): Promise<boolean> {
    const started = performance.now();
    try {
      await withTimeout(Promise.resolve().then(fn), timeoutMs, name);
      this.passed++;
      console.log(`PASS ${name} (${ms(started)})`);
      return true;
    } catch (err) {
      this.failed++;
      const message = describe(err);
      console.log(`FAIL ${name} (${ms(started)}): ${message.split("\n").join("\n     ")}`);
      return false;
    }
  }
}

export function eq(actual: unknown, expected: unknown, what = "value"): void {
  try {
    deepStrictEqual(actual, expected);
  } catch {
    throw new Error(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

export function ok(condition: unknown, what: string): void {
  if (!condition) throw new Error(what);
}

/** Resolves to the error a promise rejects with; fails if it resolves. */
export async function rejects(promise: Promise<unknown>, what: string): Promise<Error & Record<string, unknown>> {
  try {
    const value = await promise;
    throw Object.assign(new Error(`${what}: expected an error, got ${show(value)}`), { notRejected: true });
  } catch (err) {
    if (err instanceof Error && (err as { notRejected?: boolean }).notRejected) throw err;
    return err as Error & Record<string, unknown>;
  }
}

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - started) };
}

// ws and fetch sometimes reject with Event-like objects rather than Errors.
function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null) {
    const { message, type } = err as { message?: unknown; type?: unknown };
    if (typeof message === "string" && message) return message;
    if (typeof type === "string") return `${type} event`;
  }
  return String(err);
}

function ms(started: number): string {
  return `${Math.round(performance.now() - started)} ms`;
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? String(x) : x)) ?? String(v));
}
