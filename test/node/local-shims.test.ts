import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// The local stand-ins for Neon and Upstash are only worth having if the real client libraries
// cannot tell them apart from the services. scripts/local/shims-selfcheck.ts drives them with
// @neondatabase/serverless (Pool, Client, neon(), drizzle) against Debian's PostgreSQL and PGlite,
// and @upstash/redis with its default decoding against redis-server; it also checks that the relay
// refuses non-loopback targets and finds Terminate only at message boundaries.
describe("local protocol shims", () => {
  it("pass the conformance self-check with the real clients", () => {
    const run = spawnSync("tsx", ["scripts/local/shims-selfcheck.ts"], { encoding: "utf8", timeout: 120_000 });
    const output = `${run.stdout}\n${run.stderr}`;
    const summary = /^(\d+) passed, (\d+) failed$/m.exec(run.stdout);
    expect(summary, output).not.toBeNull();
    expect(Number(summary![2]), output).toBe(0);
    expect(Number(summary![1])).toBeGreaterThanOrEqual(40);
    expect(output).toMatch(/PASS .*loopback/i);
    expect(run.status, output).toBe(0);
  }, 150_000);
});
