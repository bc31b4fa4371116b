import { readFileSync } from "node:fs";
import { Miniflare } from "miniflare";
import { freePort } from "../local/free-port";
import { bundleWorker } from "../local/worker-bundle";
import type { StackBindings } from "../stack/stack";
import type { Cleanup } from "./cleanup";
import { withWorkerdPid } from "./cpu";

const HOST = "127.0.0.1";
/** wrangler.toml's; the bundle is the deployed script, so it runs with the deployed settings. */
const COMPATIBILITY_DATE = "2026-11-01";
const COMPATIBILITY_FLAGS = ["nodejs_compat"];

export type CacheMode = "on" | "off";

export interface RunningWorker {
  url: string;
  /** The worker's R2 bucket as Miniflare holds it (tests remove objects under a live plugin). */
  bucket(): Promise<R2Bucket>;
  /** Disposes the Miniflare instance (its workerd). */
  stop(): Promise<void>;
  /** Invocations finished so far, waitUntil work included (only with ServeOptions.countInvocations). */
  invocationsFinished(): Promise<number>;
  /** The instance's workerd process, whose CPU time the bench reads (bench/cpu.ts); null when it could not be told. */
  pid: number | null;
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
    RATE_LIMIT_PER_MINUTE: "600",
    // The bench's clients all come from one address (no CF-Connecting-IP), and the install and mixed
    // sections first-use 100 keys 50 at a time: each uncached lookup reserves a place in that one
    // address's minute (issue 26 item 9), so the default 20 would refuse most of them.
    API_KEY_LOOKUP_FAILURES_PER_MINUTE: "100000",
  };
  if (bindings.LOCAL_NEON_PROXY) vars.LOCAL_NEON_PROXY = bindings.LOCAL_NEON_PROXY;
  if (mode === "on") {
    if (!bindings.UPSTASH_REDIS_REST_URL || !bindings.UPSTASH_REDIS_REST_TOKEN) throw new Error("cache mode on needs the stack's Upstash endpoint");
    vars.UPSTASH_REDIS_REST_URL = bindings.UPSTASH_REDIS_REST_URL;
    vars.UPSTASH_REDIS_REST_TOKEN = bindings.UPSTASH_REDIS_REST_TOKEN;
  }
  return vars;
}

/**
 * The path of the worker script exactly as `wrangler deploy` would ship it
 * (scripts/local/worker-bundle.ts: built once per content of the sources, then reused).
 */
export async function buildWorkerScript(): Promise<string> {
  return (await bundleWorker()).script;
}

type Env = Record<string, { type: "text"; value: string } | { type: "r2" } | { type: "queue"; name: string }>;

/**
 * wrangler.toml's `jobs` queue for local development (`[[queues.producers]]` and
 * `[[queues.consumers]]`: the name, so the worker's `isJobsQueue` knows it, and the consumer's
 * settings). Miniflare runs it in process: `JOBS.send` reaches the bundle's own `queue` handler.
 */
const JOBS_QUEUE = { name: "jobs-dev", maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 3 } as const;

export interface ServeOptions {
  /** A directory holding the R2 bucket's objects, so a test can break the store under the running worker; in memory otherwise. */
  r2Persist?: string;
  /** Serve this directory with Workers Static Assets in front of the worker, as deployed (public/: the docs UI's files). */
  assetsDirectory?: string;
  /** Count the worker's finished invocations (RunningWorker.invocationsFinished). */
  countInvocations?: boolean;
  /** Bind and consume the `jobs` queue as JOBS (startBundledWorker: default true; false serves a deployment that lacks it). */
  jobsQueue?: boolean;
}

/**
 * A tail worker that counts the invocations of the worker it consumes. The runtime hands a tail
 * worker an invocation's events only once the invocation is over, its waitUntil work included, so
 * a test can wait for exactly that instead of sleeping. Its fetch answers the count.
 */
const INVOCATION_COUNTER = `
let finished = 0;
export default {
  tail(events) { finished += events.length; },
  fetch() { return new Response(String(finished)); },
};`;

/** A worker of one ES module, for Miniflare's `workers` list. */
function esmWorker(name: string, contents: string) {
  return {
    config: {
      name,
      compatibilityDate: COMPATIBILITY_DATE,
      manifest: { mainModule: "index.js", modulesRoot: "/", modules: { "index.js": { type: "esm" as const, contents } } },
    },
  };
}

/** Attempts at a free port: another process may bind the port between freePort's probe and workerd's bind. */
const PORT_ATTEMPTS = 4;

/** One Miniflare (one workerd) serving one ES-module worker on its own loopback socket. */
async function serve(name: string, script: string, env: Env, cleanup: Cleanup, options: ServeOptions = {}): Promise<RunningWorker> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await serveOnce(name, script, env, cleanup, options);
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || (error as { code?: string } | null)?.code !== "ERR_ADDRESS_IN_USE") throw error;
    }
  }
}

async function serveOnce(name: string, script: string, env: Env, cleanup: Cleanup, options: ServeOptions): Promise<RunningWorker> {
  const port = await freePort(HOST);
  // The workerd this instance spawns, told apart from the others by appearing while it starts.
  const started = await withWorkerdPid(async () => {
    const mf = new Miniflare({
      host: HOST,
      port,
      workers: [
        {
          config: {
            name: name.replace(/[^a-z0-9]+/gi, "-").toLowerCase(),
            compatibilityDate: COMPATIBILITY_DATE,
            compatibilityFlags: COMPATIBILITY_FLAGS,
            env,
            ...(options.jobsQueue ? { triggers: [{ type: "queue" as const, ...JOBS_QUEUE }] } : {}),
            ...(options.assetsDirectory ? { assets: { directory: options.assetsDirectory, hasUserWorker: true } } : {}),
            ...(options.countInvocations ? { tailConsumers: [{ worker: "invocation-counter" }] } : {}),
            manifest: { mainModule: "index.js", modulesRoot: "/", modules: { "index.js": { type: "esm", contents: script } } },
          },
        },
        ...(options.countInvocations ? [esmWorker("invocation-counter", INVOCATION_COUNTER)] : []),
      ],
      ...(options.r2Persist ? { resourcePersistencePath: options.r2Persist } : {}),
      // Miniflare's own trigger routes: `GET /cdn-cgi/local/scheduled?cron=…` runs the worker's
      // `scheduled` handler as a Cron Trigger would (wrangler dev's ProxyWorker rewrites the legacy
      // `/cdn-cgi/handler/…` to it; here no proxy is in front, so callers use the `local` path). Only
      // `/cdn-cgi/local/…` paths change: the API's own routes are untouched.
      unsafeTriggerHandlers: true,
    });
    const stop = cleanup.add(name, () => mf.dispose());
    try {
      return { mf, stop, url: await mf.ready };
    } catch (error) {
      await stop();
      throw error;
    }
  });
  const { mf, stop, url } = started.value;
  return {
    url: url.origin,
    pid: started.pid,
    stop,
    bucket: () => mf.getR2Bucket("BUNDLES") as unknown as Promise<R2Bucket>,
    invocationsFinished: async () => {
      if (!options.countInvocations) throw new Error(`${name} does not count its invocations (ServeOptions.countInvocations)`);
      const counter = await mf.getWorker("invocation-counter");
      return Number(await (await counter.fetch("http://invocation-counter/")).text());
    },
  };
}

/**
 * The API on Miniflare directly: one workerd serving the worker on its own socket (no wrangler dev
 * proxy in front), with the bindings of wrangler.toml and the stack's endpoints. ASSETS is left out:
 * no benchmarked route serves files.
 */
export function startWorker(scriptPath: string, bindings: StackBindings, mode: CacheMode, cleanup: Cleanup): Promise<RunningWorker> {
  return startBundledWorker(scriptPath, workerVars(bindings, mode), cleanup, `worker cache ${mode}`);
}

/**
 * The bundle on its own Miniflare with these vars, the R2 bucket and (unless `jobsQueue: false`)
 * the `jobs` queue as producer and consumer, as wrangler.toml binds them; `/cdn-cgi/local/scheduled`
 * runs its Cron Trigger handler. Also used by the Node-project tests: round trips, faults, the CLI,
 * the docs in a browser, the scheduled route.
 */
export function startBundledWorker(scriptPath: string, vars: Record<string, string>, cleanup: Cleanup, name = "worker", options: ServeOptions = {}): Promise<RunningWorker> {
  const jobsQueue = options.jobsQueue ?? true;
  const env: Env = { BUNDLES: { type: "r2" }, ...(jobsQueue ? { JOBS: { type: "queue" as const, name: JOBS_QUEUE.name } } : {}) };
  for (const [key, value] of Object.entries(vars)) env[key] = { type: "text", value };
  return serve(name, readFileSync(scriptPath, "utf8"), env, cleanup, { ...options, jobsQueue });
}

/**
 * No middleware, no framework: what the runtime itself costs to answer a canned body of the size
 * asked. With `upstashRoundTrip`, it first makes the one Upstash request a cached read cannot avoid
 * (a GET to the stack's endpoint), so the report can tell the API's own overhead from the price of
 * that round trip on this machine, where the Upstash stand-in (a Node REST shim over redis-server)
 * shares the cores with the worker.
 */
function bareScript(upstashRoundTrip: boolean): string {
  const trip = upstashRoundTrip
    ? `const trip = await fetch(env.UPSTASH_REDIS_REST_URL, {
      method: "POST",
      headers: { Authorization: "Bearer " + env.UPSTASH_REDIS_REST_TOKEN, "Content-Type": "application/json" },
      body: JSON.stringify(["GET", "bench:bare-upstash"]),
    });
    await trip.arrayBuffer();`
    : "";
  return `
const bodies = new Map();
export default {
  async fetch(request, env) {
    ${trip}
    const bytes = Number(new URL(request.url).searchParams.get("bytes") ?? 20000);
    let body = bodies.get(bytes);
    if (body === undefined) {
      body = JSON.stringify({ items: [], padding: "x".repeat(Math.max(0, bytes - 25)) });
      bodies.set(bytes, body);
    }
    return new Response(body, { headers: { "Content-Type": "application/json; charset=UTF-8" } });
  },
};`;
}

/** The runtime's ceiling: a bare worker on its own workerd, same settings, same canned body size. */
export function startBareWorker(cleanup: Cleanup): Promise<RunningWorker> {
  return serve("bare worker", bareScript(false), {}, cleanup);
}

/** The bare worker making one request to the stack's Upstash endpoint per request it answers. */
export function startBareUpstashWorker(bindings: StackBindings, cleanup: Cleanup): Promise<RunningWorker> {
  if (!bindings.UPSTASH_REDIS_REST_URL || !bindings.UPSTASH_REDIS_REST_TOKEN) throw new Error("the bare + Upstash worker needs the stack's Upstash endpoint");
  const env: Env = {
    UPSTASH_REDIS_REST_URL: { type: "text", value: bindings.UPSTASH_REDIS_REST_URL },
    UPSTASH_REDIS_REST_TOKEN: { type: "text", value: bindings.UPSTASH_REDIS_REST_TOKEN },
  };
  return serve("bare worker + upstash", bareScript(true), env, cleanup);
}

/**
 * R1 of design.md §43: a bare worker answering exactly `body` (the cached list's bytes), with the
 * API's content type. What the runtime costs to answer those bytes and nothing else.
 */
export function startBodyReference(body: string, cleanup: Cleanup): Promise<RunningWorker> {
  const script = `
export default {
  fetch(request, env) {
    return new Response(env.BODY, { headers: { "Content-Type": "application/json; charset=UTF-8" } });
  },
};`;
  return serve("reference R1 (same bytes)", script, { BODY: { type: "text", value: body } }, cleanup);
}

/**
 * R2 of design.md §43: a bare worker that makes the one Upstash request a cached read cannot avoid,
 * a GET of `key` (holding the same value) with `Upstash-Encoding: base64`, decodes the reply as
 * @upstash/redis 1.x does with its default encoding (its `base64decode`: atob, a byte loop, then
 * TextDecoder), and answers the decoded value.
 */
export function startUpstashGetReference(bindings: StackBindings, key: string, cleanup: Cleanup): Promise<RunningWorker> {
  if (!bindings.UPSTASH_REDIS_REST_URL || !bindings.UPSTASH_REDIS_REST_TOKEN) throw new Error("reference R2 needs the stack's Upstash endpoint");
  const script = `
function base64decode(b64) {
  let dec = "";
  try {
    const binString = atob(b64);
    const size = binString.length;
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = binString.charCodeAt(i);
    dec = new TextDecoder().decode(bytes);
  } catch {
    dec = b64;
  }
  return dec;
}
export default {
  async fetch(request, env) {
    const response = await fetch(env.UPSTASH_REDIS_REST_URL, {
      method: "POST",
      headers: { Authorization: "Bearer " + env.UPSTASH_REDIS_REST_TOKEN, "Content-Type": "application/json", "Upstash-Encoding": "base64" },
      body: JSON.stringify(["GET", env.KEY]),
    });
    const reply = JSON.parse(await response.text());
    return new Response(base64decode(reply.result), { headers: { "Content-Type": "application/json; charset=UTF-8" } });
  },
};`;
  const env: Env = {
    UPSTASH_REDIS_REST_URL: { type: "text", value: bindings.UPSTASH_REDIS_REST_URL },
    UPSTASH_REDIS_REST_TOKEN: { type: "text", value: bindings.UPSTASH_REDIS_REST_TOKEN },
    KEY: { type: "text", value: key },
  };
  return serve("reference R2 (one Upstash GET)", script, env, cleanup);
}
