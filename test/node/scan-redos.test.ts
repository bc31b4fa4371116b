import { check } from "recheck";
import { describe, expect, it } from "vitest";
import { MATCHERS } from "../../src/domain/scan/matchers";
import { ruleExpressions } from "../../src/domain/scan/rules";

// Issue 28 item 6 and design.md §43: every scanner rule passes a static ReDoS check. `recheck`
// (automaton analysis, with fuzzing where automata do not apply) must call each expression "safe":
// neither "vulnerable" (exponential or polynomial backtracking) nor "unknown" (gave up). Timing is
// not asserted here; the bench reports the scan time of a 1 MiB file.
const expressions = [
  ...ruleExpressions().map(({ rule, expression }) => ({ name: rule, expression })),
  ...MATCHERS.flatMap((m) => m.patterns.map((expression) => ({ name: m.id, expression }))),
];

describe.concurrent("every scanner expression is ReDoS-safe (recheck)", () => {
  it("lists every rule pattern, trigger and follow-up pattern", () => {
    expect(expressions.length).toBeGreaterThan(60);
  });

  it.each(expressions.map(({ name, expression }, i) => [`${name} #${i}`, expression] as const))("%s", { timeout: 120_000 }, async (_name, expression) => {
    const result = await check(expression.source, expression.flags, { timeout: 60_000 });
    expect({ source: expression.source, status: result.status }).toEqual({ source: expression.source, status: "safe" });
  });
});
