import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startRedisServer } from "../local/redis-server";
import { startUpstashShim } from "../local/upstash-shim";

export interface PausableCache {
  /** UPSTASH_REDIS_REST_URL / _TOKEN of a redis-server of its own, behind its own Upstash endpoint. */
  url: string;
  token: string;
  /** Loopback HTTP: `POST /pause` stops the redis-server (SIGSTOP), `POST /resume` continues it. */
  control: string;
  close(): Promise<void>;
}

/**
 * A second cache for the tests that pause Redis: a stopped redis-server still accepts connections
 * but never answers (the hung-cache fault of issue 10, item 2). It is separate from the shared
 * cache so that pausing it never stalls other test files.
 */
export async function startPausableCache(): Promise<PausableCache> {
  const redis = await startRedisServer({});
  const shim = await startUpstashShim({ redisPort: redis.port, token: randomBytes(16).toString("hex") });
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(redis.pid, sig);
    } catch {
      // already gone
    }
  };
  const control: Server = createServer((req, res) => {
    const action = req.method === "POST" ? req.url : undefined;
    if (action === "/pause") signal("SIGSTOP");
    else if (action === "/resume") signal("SIGCONT");
    else return void res.writeHead(404).end();
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  return {
    url: shim.url,
    token: shim.token,
    control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    close: async () => {
      control.close();
      // A stopped process only acts on SIGTERM once it runs again.
      signal("SIGCONT");
      await shim.close();
      await redis.close();
    },
  };
}
