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

/** `work`'s outcome, or `onTimeout` once PROBE_TIMEOUT_MS have passed: no probe holds /health up longer. */
async function withinProbeTimeout<T>(work: Promise<T>, onTimeout: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function probe(run: () => Promise<unknown>): Promise<ProbeStatus> {
  return withinProbeTimeout(
    Promise.resolve()
      .then(run)
      .then(
        () => "ok" as const,
        () => "error" as const,
      ),
    "error",
  );
}

/** Both database paths are probed: SQL over HTTP (one-shot reads) and the WebSocket pool (transactions). */
export async function checkHealth(deps: { db: DatabaseClients; cache: Cache; storage: Storage }): Promise<HealthReport> {
  const [http, websocket, cache, storage] = await Promise.all([
    probe(() => deps.db.http.execute(sql`select 1`)),
    probe(() => deps.db.pool.execute(sql`select 1`)),
    // The cache client has its own, shorter deadline; this one bounds the probe like the others.
    withinProbeTimeout(deps.cache.ping(), "error"),
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
