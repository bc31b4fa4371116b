// Issue 28 item 4, after review: the rescan saves the version in flight before its scan, so a batch
// killed mid-scan (CPU or memory limit) leaves it behind (test/plugins/rescan.test.ts has the
// retry and the set-aside). PostgreSQL only: the test reads job_state from a second connection while
// the scan's transaction is open, which the embedded database (one transaction at a time) cannot.
// Serial with the rescan tests (test/suite-layout.ts): the rescan works on the whole database.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createCache } from "../../src/clients/cache";
import * as schema from "../../src/db/schema";
import { readJobState } from "../../src/db/queries/job-state";
import { createLogger } from "../../src/lib/logger";
import { RESCAN_JOB, rescanBatch } from "../../src/services/plugins/rescan";
import { useDatabase } from "../helpers/db";
import { adminHeaders } from "../publishing/helpers";
import { approvedPlugin } from "./in-use-helpers";

const clients = useDatabase();
const db = () => clients.pool;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = await adminHeaders(db());
});

async function staleVersion() {
  const plugin = await approvedPlugin(admin);
  const [version] = await db().select().from(schema.pluginVersions).where(eq(schema.pluginVersions.pluginId, plugin.plugin_id));
  await db().insert(schema.pluginSecurityScans).values({ pluginVersionId: version!.id, staticScanStatus: "passed", overallVerdict: "safe", engineVersion: "2026.1" });
  return { versionId: version!.id };
}

describe("the rescan's version in flight", () => {
  it("marks the version it is scanning before the scan starts, and clears the mark after", async () => {
    const stale = await staleVersion();
    const seen: unknown[] = [];
    // A bucket that, when the scan reads its files, records what a batch dying right then would leave.
    const watching = new Proxy(env.BUNDLES, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (prop === "list") return async (...args: unknown[]) => (seen.push((await readJobState(db(), RESCAN_JOB))!.cursor.in_flight), (value as Function).apply(target, args));
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const deps = { db: db(), cache: createCache(env, createLogger({}, "error")), bucket: watching, logger: createLogger({}, "error") };
    // Runs batches (a run under way may have passed this version's id; the next one starts over) until it was scanned.
    const mine = { id: stale.versionId, attempts: 1 };
    const scannedMine = () => seen.some((s) => JSON.stringify(s) === JSON.stringify(mine));
    for (let i = 0; i < 100 && !scannedMine(); i++) {
      if ((await rescanBatch(deps, { now: new Date(), trigger: "rescan", batchSize: 500 })).stopped === "idle") break;
    }
    expect(seen).toContainEqual(mine);
    expect((await readJobState(db(), RESCAN_JOB))!.cursor.in_flight).toBeNull();
  });
});
