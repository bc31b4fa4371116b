import { createApp, type App } from "./app";
import type { Bindings } from "./env";
import { jobLogger } from "./jobs/clients";
import { isJobsQueue, runJobsBatch } from "./jobs/queue";
import { runScheduled } from "./jobs/scheduled";

// The app is code only (routes, middleware); it holds no per-request I/O, so one per isolate is safe.
// It is built on first request because which optional routes exist depends on the environment.
let app: App | undefined;

export default {
  fetch(request, env, ctx) {
    app ??= createApp({
      testRoutes: env.ENABLE_TEST_ROUTES === "true" && env.ENVIRONMENT === "test",
      benchRoutes: env.ENABLE_BENCH_ROUTES === "true" && env.ENVIRONMENT !== "production",
    });
    return app.fetch(request, env, ctx);
  },
  // Background work (design.md §25, §41): Cron Triggers and the `jobs` queue, dispatched in src/jobs.
  scheduled(controller, env, ctx) {
    return runScheduled(controller, env, ctx);
  },
  async queue(batch, env, ctx) {
    if (isJobsQueue(batch.queue)) return runJobsBatch(batch, env, ctx);
    // A queue this worker consumes but does not know: a deployment mistake; retrying cannot fix it.
    jobLogger(env, { queue: batch.queue }).error("unknown_queue", { messages: batch.messages.length });
    batch.ackAll();
  },
} satisfies ExportedHandler<Bindings>;
