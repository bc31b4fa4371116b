// `npm run dev`: the whole local stack and the worker under wrangler dev (workerd), with no other step.
import { spawn, type ChildProcess } from "node:child_process";
import { createConnection } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { clearDevState, isAlive, killProcessGroup, liveDevState, readDevState, writeDevState } from "./stack/dev-state";
import { PROJECT_ROOT, WRANGLER_STATE_DIR } from "./stack/paths";
import { DEMO_USER, DEMO_WORKSPACE } from "./seed/demo-catalog";
import { seedIfEmpty } from "./seed/run";
import { loadDemoPlugins } from "./seed/demo-plugins";
import { demoPluginDeps } from "./seed/demo-plugin-deps";
import { devWorkerVars, ensureDevKeyPair, mintDevApiKeyForSlug, withDrizzle } from "./stack/dev-auth";
import { startStack, type Stack } from "./stack/stack";

const HOST = "127.0.0.1";
const PORT = Number(process.env.PORT ?? 8787);
const API_URL = `http://${HOST}:${PORT}`;
const log = (line: string) => console.log(`[dev] ${line}`);

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function cleanUpLeftovers(): Promise<void> {
  const running = liveDevState();
  if (running) {
    throw new Error(`npm run dev is already running (pid ${running.pid}) at ${running.apiUrl}; stop it first.`);
  }
  const stale = readDevState();
  if (stale) {
    // A previous run that was killed hard may have left wrangler/workerd behind.
    for (const group of stale.processGroups) killProcessGroup(group, "SIGKILL");
    clearDevState();
    log("cleaned up after a previous run that did not exit cleanly");
  }
  for (let i = 0; i < 20 && (await portInUse(PORT)); i++) await sleep(250);
  if (await portInUse(PORT)) throw new Error(`port ${PORT} is in use by another program; set PORT to use another one.`);
}

async function waitForHealth(wrangler: ChildProcess, timeoutMs: number): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (wrangler.exitCode !== null) throw new Error(`wrangler dev exited with code ${wrangler.exitCode}`);
    try {
      const response = await fetch(`${API_URL}/health`);
      return await response.json();
    } catch {
      await sleep(300);
    }
  }
  throw new Error("the worker did not answer /health in time");
}

/** How to call the API as someone: the demo workspace's key, or a dev session token. */
function authBanner(demo: { key: string; workspace: { id: string } } | null): string {
  // The workspace id too: a key cannot list workspaces, and workspace routes (plugins) take the id.
  const key = demo
    ? `    API key   ${demo.key}   (${DEMO_WORKSPACE.name}, all scopes; replaced on every start)
    Workspace ${demo.workspace.id}   (for /api/workspaces/{workspace_id}/… and \`marketplace plugins enable --workspace\`)
              curl -H "X-API-Key: ${demo.key}" ${API_URL}/api/api-keys`
    : `    API key   none: the demo workspace "${DEMO_WORKSPACE.slug}" is not in this database`;
  return `${key}
    JWT       TOKEN=$(npm run -s token -- --user <clerk user id> --workspace "${DEMO_WORKSPACE.name}")
              curl -H "Authorization: Bearer $TOKEN" ${API_URL}/api/workspaces`;
}

function databaseLine(stack: Stack): string {
  if (stack.database === "postgres") return `PostgreSQL (private cluster), data in ${stack.dataDir}`;
  if (stack.database === "embedded") return `embedded PostgreSQL (PGlite), data in ${stack.dataDir}`;
  return "DATABASE_URL";
}

async function main() {
  await cleanUpLeftovers();
  const started = Date.now();
  const stack = await startStack({
    databaseUrl: process.env.DATABASE_URL || undefined,
    localDatabase: "local",
    redis: "optional",
    log,
  });
  let wrangler: ChildProcess | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log("stopping ...");
    if (wrangler?.pid) {
      killProcessGroup(wrangler.pid, "SIGTERM");
      for (let i = 0; i < 20 && isAlive(wrangler.pid); i++) await sleep(100);
      killProcessGroup(wrangler.pid, "SIGKILL");
    }
    await stack.close();
    clearDevState();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  try {
    if (stack.databaseNote) log(`database: PGlite, not PostgreSQL (${stack.databaseNote})`);
    if (stack.cacheNote) log(`cache: off (${stack.cacheNote})`);
    const seeded = await seedIfEmpty(stack.bindings.DATABASE_URL);
    if (seeded) log(`seeded the demo catalog (${seeded.items} items)`);
    // A fresh key on every start, revoking the previous one (design.md §18).
    const demoKey = await withDrizzle(stack.bindings.DATABASE_URL, (db) =>
      mintDevApiKeyForSlug(db, DEMO_WORKSPACE.slug, DEMO_USER.clerkUserId),
    );
    const { publicKeyPem } = await ensureDevKeyPair();

    const workerVars = { ...stack.bindings, ...devWorkerVars(publicKeyPem), ENVIRONMENT: "development" };
    const vars = Object.entries(workerVars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
    // --test-scheduled: wrangler dev never fires the Cron Trigger on its own; with it,
    // `GET /__scheduled?cron=*+*+*+*+*` runs one rescan batch (README "Plugin security").
    wrangler = spawn(
      "wrangler",
      ["dev", "--ip", HOST, "--port", String(PORT), "--persist-to", WRANGLER_STATE_DIR, "--show-interactive-dev-session=false", "--test-scheduled", ...vars],
      {
        cwd: PROJECT_ROOT,
        // Its own process group, so that stopping it also stops esbuild and workerd.
        detached: true,
        stdio: ["ignore", "inherit", "inherit"],
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "1" },
      },
    );
    writeDevState({
      pid: process.pid,
      processGroups: [wrangler.pid!, ...stack.processGroups],
      apiUrl: API_URL,
      bindings: { ...stack.bindings },
      startedAt: new Date().toISOString(),
    });
    wrangler.on("exit", (code) => {
      if (!stopping) {
        log(`wrangler dev exited (${code}); shutting down`);
        void stop(code ?? 1);
      }
    });

    const health = await waitForHealth(wrangler, 60_000);
    const plugins = await loadDemoPlugins(API_URL, demoPluginDeps(stack.bindings.DATABASE_URL));
    if (plugins) log(`loaded ${plugins} demo plugins through the upload API`);
    console.log(`
  Marketplace API ready in ${((Date.now() - started) / 1000).toFixed(1)} s
    API       ${API_URL}
    Docs      ${API_URL}/docs   (OpenAPI document: ${API_URL}/openapi.json)
    Health    ${JSON.stringify(health)}
    Cron      curl '${API_URL}/__scheduled?cron=*+*+*+*+*'   (one rescan batch; wrangler dev never fires it itself)
    Database  ${databaseLine(stack)}
    Cache     ${stack.cache === "on" ? "redis-server via the local Upstash endpoint" : "off"}
${authBanner(demoKey)}
  Press Ctrl-C to stop.
`);
  } catch (error) {
    console.error(`[dev] ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

main().catch((error: unknown) => {
  console.error(`[dev] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
