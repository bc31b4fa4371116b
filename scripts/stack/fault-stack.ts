// The local stack with its dependencies under test control, for test/node/faults.test.ts (issue 16
// item 2): the database relay and redis-server can be really stopped and started again on the same
// ports, so the worker sees exactly what it would see in production when a dependency goes away.
// Like serve.ts it runs as a child process (vite resolves `ws` to its browser build in tests).
// Protocol: one JSON line on stdout when ready; then one JSON command per stdin line
// ({"op":"stop-relay"|"hang-relay"|"start-relay"|"stop-redis"|"start-redis"}), each answered by one
// JSON line. hang-relay: the relay's port accepts connections and never answers (a black hole).
// Closing stdin shuts everything down.
import { createServer, type Server, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { startNeonRelay, type NeonRelay } from "../local/neon-relay";
import { startRedisServer } from "../local/redis-server";
import { startStack } from "./stack";

const stack = await startStack({
  databaseUrl: process.env.FAULT_DATABASE_URL || undefined,
  localDatabase: "memory",
  redis: "require",
  log: (line) => process.stderr.write(`[fault stack] ${line}\n`),
}).catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
  process.exit(1);
});

// The stack's own relay stays up for the test's direct queries; the worker goes through this one,
// which the test stops and starts.
let relay: NeonRelay | undefined = await startNeonRelay({});
const relayPort = relay.port;
let redisPid = stack.processGroups.at(-1)!;
const redisPort = stack.redisPort!;
let restartedRedis: { close(): Promise<void> } | undefined;
let blackHole: { server: Server; sockets: Set<Socket> } | undefined;

async function closeBlackHole(): Promise<void> {
  if (!blackHole) return;
  const { server, sockets } = blackHole;
  blackHole = undefined;
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function killRedis(): Promise<void> {
  try {
    process.kill(-redisPid, "SIGKILL");
  } catch {
    // Already gone.
  }
  // Gone once the port refuses connections.
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(redisPid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ops: Record<string, () => Promise<void>> = {
  "stop-relay": async () => {
    await relay?.close();
    relay = undefined;
  },
  "hang-relay": async () => {
    await relay?.close();
    relay = undefined;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(relayPort, "127.0.0.1", () => resolve()));
    blackHole = { server, sockets };
  },
  "start-relay": async () => {
    await closeBlackHole();
    relay ??= await startNeonRelay({ port: relayPort });
  },
  "stop-redis": killRedis,
  "start-redis": async () => {
    const started = await startRedisServer({ port: redisPort });
    redisPid = started.pid;
    restartedRedis = started;
  },
};

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await closeBlackHole();
  await relay?.close();
  await restartedRedis?.close().catch(() => {});
  await stack.close();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const { op } = JSON.parse(line) as { op: string };
  const run = ops[op];
  const started = Date.now();
  void (run ? run() : Promise.reject(new Error(`unknown op ${op}`))).then(
    () => process.stdout.write(`${JSON.stringify({ op, ok: true, ms: Date.now() - started })}\n`),
    (error: unknown) => process.stdout.write(`${JSON.stringify({ op, ok: false, error: String(error) })}\n`),
  );
});
lines.on("close", shutdown);
process.stdout.write(`${JSON.stringify({ ready: { ...stack.bindings, LOCAL_NEON_PROXY: `127.0.0.1:${relayPort}` }, stackRelay: stack.bindings.LOCAL_NEON_PROXY, database: stack.database, redisPort })}\n`);
