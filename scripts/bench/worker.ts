import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../local/free-port";
import { killGroup } from "../local/process-group";
import { PROJECT_ROOT } from "../stack/paths";
import type { StackBindings } from "../stack/stack";
import type { Cleanup } from "./cleanup";

const HOST = "127.0.0.1";
const HEALTH_TIMEOUT_MS = 120_000;
/** Enough of wrangler's output to explain a failed start, without holding all of it. */
const OUTPUT_TAIL_CHARS = 6_000;

export type CacheMode = "on" | "off";

export interface RunningWorker {
  url: string;
  mode: CacheMode;
  /** Stops the wrangler process group and removes its state directory. */
  stop(): Promise<void>;
}

/**
 * The worker's vars. Cache off means no Upstash settings at all: every list request reaches the
 * database, and rate limiting (which needs Redis) is off too, for the floor as much as the list.
 */
export function workerVars(bindings: StackBindings, mode: CacheMode): Record<string, string> {
  const vars: Record<string, string> = {
    DATABASE_URL: bindings.DATABASE_URL,
    ENVIRONMENT: "development",
    ENABLE_BENCH_ROUTES: "true",
    LOG_LEVEL: "error",
  };
  if (bindings.LOCAL_NEON_PROXY) vars.LOCAL_NEON_PROXY = bindings.LOCAL_NEON_PROXY;
  if (mode === "on") {
    if (!bindings.UPSTASH_REDIS_REST_URL || !bindings.UPSTASH_REDIS_REST_TOKEN) throw new Error("cache mode on needs the stack's Upstash endpoint");
    vars.UPSTASH_REDIS_REST_URL = bindings.UPSTASH_REDIS_REST_URL;
    vars.UPSTASH_REDIS_REST_TOKEN = bindings.UPSTASH_REDIS_REST_TOKEN;
  }
  return vars;
}

function spawnWrangler(port: number, stateDir: string, vars: Record<string, string>) {
  const args = ["dev", "--ip", HOST, "--port", String(port), "--persist-to", stateDir, "--show-interactive-dev-session=false"];
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const bin = join(PROJECT_ROOT, "node_modules", ".bin");
  return spawn(join(bin, "wrangler"), args, {
    cwd: PROJECT_ROOT,
    // Its own process group, so stopping it also stops esbuild and workerd.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    // node_modules/.bin first: wrangler's `#!/usr/bin/env node` must find Node 22, not the shell's.
    env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false", CI: "1" },
  });
}

interface HealthBody {
  cache?: { status?: string };
}

/** Polls /health until 200, checking the cache really is in the mode we asked for. */
async function waitForHealth(url: string, mode: CacheMode, exited: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`wrangler dev exited before /health answered:\n${output()}`);
    try {
      const response = await fetch(`${url}/health`);
      const body = (await response.json()) as HealthBody;
      if (response.status === 200) {
        // A stray .dev.vars could re-add the Upstash settings and quietly turn "uncached" into cached.
        const expected = mode === "on" ? "ok" : "off";
        if (body.cache?.status !== expected) throw new Error(`cache mode ${mode}: /health says cache ${body.cache?.status}, expected ${expected} (is there a .dev.vars?)`);
        return;
      }
      last = `HTTP ${response.status} ${JSON.stringify(body)}`;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("cache mode")) throw error;
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(300);
  }
  throw new Error(`the worker did not answer /health with 200 within ${HEALTH_TIMEOUT_MS / 1000} s (last: ${last}):\n${output()}`);
}

/** Starts wrangler dev and registers it with `cleanup` at once, so Ctrl-C during start-up stops it too. */
export async function startWorker(bindings: StackBindings, mode: CacheMode, cleanup: Cleanup): Promise<RunningWorker> {
  const port = await freePort(HOST);
  const stateDir = mkdtempSync(join(tmpdir(), "bench-wrangler-"));
  const child = spawnWrangler(port, stateDir, workerVars(bindings, mode));
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
  };
  // Always drained: a full pipe would block wrangler mid-benchmark.
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let hasExited = false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => (hasExited = true));

  const stop = cleanup.add(`wrangler dev (cache ${mode})`, async () => {
    if (!hasExited && child.pid !== undefined) await killGroup(child.pid, exited, { signal: "SIGTERM", graceMs: 5_000 });
    rmSync(stateDir, { recursive: true, force: true });
  });
  const url = `http://${HOST}:${port}`;
  try {
    await waitForHealth(url, mode, () => hasExited, () => tail.trim());
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, mode, stop };
}
