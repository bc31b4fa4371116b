import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { check } from "recheck";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { COHERENCE_PATTERNS } from "../../src/domain/scan/coherence";
import { MATCHERS } from "../../src/domain/scan/matchers";
import { NORMALIZE_PATTERNS } from "../../src/domain/scan/normalize";
import { ruleExpressions } from "../../src/domain/scan/rules";

// Issue 28 item 6 and design.md §43: every scanner rule passes a static ReDoS check. `recheck`
// (automaton analysis, with fuzzing where automata do not apply) must call each expression "safe":
// neither "vulnerable" (exponential or polynomial backtracking) nor "unknown" (gave up). Timing is
// not asserted here; the bench reports the scan time of a 1 MiB file.

/**
 * Every regular-expression literal written in a source file (read with the TypeScript parser), so
 * an expression added to one of the scanner's helper files is checked without being listed anywhere.
 * Expressions built with `new RegExp(…)` are not literals: those files export them (COHERENCE_PATTERNS,
 * NORMALIZE_PATTERNS), and the test below fails when a file builds one it does not export.
 */
function literalExpressions(file: string): RegExp[] {
  const path = join(import.meta.dirname, "../../src/domain/scan", file);
  const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
  const out: RegExp[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isRegularExpressionLiteral(node)) {
      const text = node.text;
      const end = text.lastIndexOf("/");
      out.push(new RegExp(text.slice(1, end), text.slice(end + 1)));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}
const builtExpressions = (file: string) => (readFileSync(join(import.meta.dirname, "../../src/domain/scan", file), "utf8").match(/new RegExp\(/g) ?? []).length;

const HELPER_FILES = ["coherence.ts", "normalize.ts", "structure.ts", "decode.ts"];
const exported = [...COHERENCE_PATTERNS, ...NORMALIZE_PATTERNS];
const helperExpressions = HELPER_FILES.flatMap((file) => literalExpressions(file).map((expression) => ({ name: file, expression })));
const seen = new Set<string>();
const expressions = [
  ...ruleExpressions().map(({ rule, expression }) => ({ name: rule, expression })),
  ...MATCHERS.flatMap((m) => m.patterns.map((expression) => ({ name: m.id, expression }))),
  ...helperExpressions,
  ...exported.map((expression) => ({ name: "exported", expression })),
].filter(({ expression }) => {
  const key = `${expression.source}/${expression.flags}`;
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
});

/**
 * recheck's verdicts, kept by exact `source/flags` and recheck version in
 * test/node/scan-redos.verified.json: a verdict is a function of the expression (the fuzzing seed is
 * fixed), so an expression already found "safe" is not checked again on every run (each check
 * starts recheck's checker: about 1.5 s, over 250 expressions); any new or edited expression is
 * checked live, and must be added (`RECHECK_UPDATE=1 npx vitest run test/node/scan-redos.test.ts`
 * rewrites the file with every expression checked live).
 */
const VERIFIED_PATH = join(import.meta.dirname, "scan-redos.verified.json");
const RECHECK_VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, "../../node_modules/recheck/package.json"), "utf8")) as { version: string }).version;
const UPDATE = process.env.RECHECK_UPDATE === "1";
const verified = (() => {
  const file = JSON.parse(readFileSync(VERIFIED_PATH, "utf8")) as { recheck: string; safe: string[] };
  return new Set(!UPDATE && file.recheck === RECHECK_VERSION ? file.safe : []);
})();
const keyOf = (expression: RegExp) => `/${expression.source}/${expression.flags}`;
const checkedSafe: string[] = [];

describe.concurrent("every scanner expression is ReDoS-safe (recheck)", () => {
  it("lists every rule pattern, trigger and follow-up pattern, and every expression of the helper files", () => {
    expect(expressions.length).toBeGreaterThan(60);
    for (const file of HELPER_FILES) expect(literalExpressions(file).length, file).toBeGreaterThan(0);
    // Built expressions are only in files that export them all for this test.
    expect(builtExpressions("structure.ts") + builtExpressions("decode.ts")).toBe(0);
    for (const pattern of exported) expect(pattern).toBeInstanceOf(RegExp);
  });

  it.each(expressions.map(({ name, expression }, i) => [`${name} #${i}`, expression] as const))("%s", { timeout: 120_000 }, async (_name, expression) => {
    if (verified.has(keyOf(expression))) return;
    const result = await check(expression.source, expression.flags, { timeout: 60_000, randomSeed: 28 });
    expect({ source: expression.source, status: result.status }).toEqual({ source: expression.source, status: "safe" });
    checkedSafe.push(keyOf(expression));
  });

  it("the verified list names no expression the scanner no longer has", () => {
    const current = new Set(expressions.map(({ expression }) => keyOf(expression)));
    expect([...verified].filter((key) => !current.has(key))).toEqual([]);
  });
});

// With RECHECK_UPDATE=1 every expression was checked live above: the ones found safe are the new list.
afterAll(() => {
  if (UPDATE) writeFileSync(VERIFIED_PATH, `${JSON.stringify({ recheck: RECHECK_VERSION, safe: [...new Set(checkedSafe)].sort() }, null, 1)}\n`);
});
