import { sql } from "drizzle-orm";
import type { Cache, CacheStatus } from "../clients/cache";
import type { Storage } from "../clients/storage";
import type { DatabaseClients } from "../db/client";

export type ProbeStatus = "ok" | "error";

export interface HealthReport {
  status: "ok" | "degraded";
  database: { status: ProbeStatus; http: ProbeStatus; websocket: ProbeStatus };
  cache: { status: CacheStatus };
  storage: { status: ProbeStatus };
}

const PROBE_TIMEOUT_MS = 3000;

async function probe(run: () => Promise<unknown>): Promise<ProbeStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([run(), timeout]);
    return "ok";
  } catch {
    return "error";
  } finally {
    clearTimeout(timer);
  }
}

/** Both database paths are probed: SQL over HTTP (one-shot reads) and the WebSocket pool (transactions). */
export async function checkHealth(deps: { db: DatabaseClients; cache: Cache; storage: Storage }): Promise<HealthReport> {
  const [http, websocket, cache, storage] = await Promise.all([
    probe(() => deps.db.http.execute(sql`select 1`)),
    probe(() => deps.db.pool.execute(sql`select 1`)),
    deps.cache.ping(),
    deps.storage.ping(),
  ]);
  const database: ProbeStatus = http === "ok" && websocket === "ok" ? "ok" : "error";
  return {
    status: database === "ok" && storage === "ok" ? "ok" : "degraded",
    database: { status: database, http, websocket },
    cache: { status: cache },
    storage: { status: storage },
  };
}
