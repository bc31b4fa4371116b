/**
 * End-to-end check of the local shims with the real client libraries:
 *   npx tsx scripts/local/shims-selfcheck.ts
 * Starts redis-server (installing it when possible), the Upstash REST shim,
 * the Neon relay, Debian PostgreSQL and PGlite; prints PASS/FAIL per check and
 * exits non-zero on any failure. Everything started here is stopped on exit.
 */
import { randomBytes } from "node:crypto";
import { startDebianPostgres } from "./debian-postgres.ts";
import { startNeonRelay } from "./neon-relay.ts";
import { startEmbeddedPostgres } from "../stack/embedded-postgres.ts";
import { findRedisServerBinary, installRedisServer, startRedisServer } from "./redis-server.ts";
import { checkDrizzleHttp } from "./selfcheck-drizzle.ts";
import { Checks, timed } from "./selfcheck-harness.ts";
import { checkNeon, checkRelayBasics, configureNeonForRelay } from "./selfcheck-neon.ts";
import { checkUpstash } from "./selfcheck-upstash.ts";
import { startUpstashShim } from "./upstash-shim.ts";

const checks = new Checks();
const cleanups: (() => Promise<void>)[] = [];
const timings: string[] = [];
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err: Error) => console.error(`cleanup: ${err.message}`));
  })());
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    console.log(`\n${sig}: stopping everything started by the self-check`);
    void cleanup().then(() => process.exit(130));
  });
}

/** Starts one piece, records how long it took, and registers its close(). */
async function start<T extends { close(): Promise<void> }>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    const { value, ms } = await timed(fn);
    cleanups.push(() => value.close());
    timings.push(`${name}: ${ms} ms`);
    return value;
  } catch (err) {
    checks.failed++;
    console.log(`FAIL start ${name}: ${(err as Error).message}`);
    return undefined;
  }
}

async function main(): Promise<void> {
  if (!findRedisServerBinary()) {
    const { value, ms } = await timed(async () => installRedisServer());
    console.log(`${value.ok ? "INFO" : "FAIL"} install redis-server (${ms} ms): ${value.message}`);
    if (!value.ok) checks.failed++;
  }
  const redis = findRedisServerBinary() ? await start("redis-server", () => startRedisServer({})) : undefined;
  if (redis) {
    const token = randomBytes(16).toString("hex");
    const shim = await start("upstash shim", () => startUpstashShim({ redisPort: redis.port, token }));
    if (shim) await checkUpstash(checks, shim);
  }

  const relay = await start("neon relay", () => startNeonRelay({}));
  if (relay) {
    configureNeonForRelay(relay);
    await checkRelayBasics(checks, relay);
    const postgres = await start("debian postgres (initdb + start)", () => startDebianPostgres({}));
    const pglite = await start("pglite (in-memory) + socket server", () => startEmbeddedPostgres({}));
    const databases = [
      ...(postgres ? [["postgres15", postgres.connectionString] as const] : []),
      ...(pglite ? [["pglite", pglite.url] as const] : []),
    ];
    for (const [label, cs] of databases) await checkNeon(checks, label, cs);
    // Last on purpose: drizzle's neon-http driver globally re-registers the
    // driver's date/time parsers to return strings, which would change what
    // plain neon() returns for timestamptz in this process afterwards.
    for (const [label, cs] of databases) await checkDrizzleHttp(checks, label, cs);
    // Close the relay's pg pools before the databases go away.
    await relay.close();
  }

  console.log(`\nstart-up times:\n  ${timings.join("\n  ")}`);
}

let exitCode = 1;
try {
  await main();
  exitCode = checks.failed === 0 ? 0 : 1;
} catch (err) {
  console.log(`FAIL self-check crashed: ${(err as Error).stack ?? String(err)}`);
} finally {
  await cleanup();
  console.log(`${checks.passed} passed, ${checks.failed} failed`);
}
process.exit(exitCode);
