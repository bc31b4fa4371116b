import { DrizzleQueryError } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable, isLostRace } from "../../src/db/errors";

// The classification behind 503 database_unavailable (src/db/errors.ts). The faults it stands for
// are proven for real in test/node/faults.test.ts; these pin the edges that test cannot reach.
describe("isDatabaseUnavailable", () => {
  it("a ROLLBACK failing on a connection killed mid-transaction counts (its error replaces the first)", () => {
    const error = new DrizzleQueryError("rollback", [], new Error("Client has encountered a connection error and is not queryable"));
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it("the pool's connect timeout counts", () => {
    const error = new DrizzleQueryError("select 1", [], new Error("Connection terminated due to connection timeout"));
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it("request input quoted in drizzle's own message does not: a failed query with 'fetch failed' in its parameters stays a 500", () => {
    const error = new DrizzleQueryError("select $1", ["fetch failed ECONNREFUSED"], new Error('syntax error at or near "x"'));
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it("the same words outside a database error do not count", () => {
    expect(isDatabaseUnavailable(new Error("fetch failed"))).toBe(false);
  });
});

// A transaction that lost a race (rendered as 503 database_busy, Retry-After 1, by the app's error
// handler) is neither "unavailable" nor a 500.
describe("isLostRace", () => {
  const pgFailure = (code: string) => new DrizzleQueryError("update workspace_members …", [], Object.assign(new Error("pg"), { code }));

  it("a deadlock, a serialization failure and an unavailable lock count", () => {
    for (const code of ["40P01", "40001", "55P03"]) expect(isLostRace(pgFailure(code)), code).toBe(true);
  });

  it("other errors do not: a unique violation, a syntax error, an unreachable database", () => {
    for (const code of ["23505", "42601", "08006"]) expect(isLostRace(pgFailure(code)), code).toBe(false);
    expect(isLostRace(new Error("deadlock detected"))).toBe(false);
  });
});
