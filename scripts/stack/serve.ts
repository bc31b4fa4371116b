// Runs the local stack as a child process for the test suite (vitest's globalSetup cannot host a
// `ws` server itself: vite resolves `ws` to its browser build). Prints one JSON line when ready and
// shuts everything down when stdin closes or on SIGTERM/SIGINT.
import { startPausableCache } from "./pausable-cache";
import { startStack } from "./stack";

const stack = await startStack({
  databaseUrl: process.env.TEST_DATABASE_URL || undefined,
  localDatabase: "test",
  redis: "require",
  log: (line) => process.stderr.write(`[stack] ${line}\n`),
}).catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
  process.exit(1);
});

const pausable = await startPausableCache().catch(async (error: unknown) => {
  await stack.close();
  process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
  process.exit(1);
});

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await pausable.close();
  await stack.close();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.stdin.on("end", shutdown);
process.stdin.on("close", shutdown);
process.stdin.resume();
const { url, token, control } = pausable;
process.stdout.write(
  `${JSON.stringify({
    ready: { ...stack.bindings, database: stack.database },
    databaseServer: stack.databaseServer,
    timings: stack.timings,
    pausableCache: { url, token, control },
  })}\n`,
);
