import { createApp, type App } from "./app";
import type { Bindings } from "./env";

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
} satisfies ExportedHandler<Bindings>;
