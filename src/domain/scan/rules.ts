/**
 * The scanner's rules as data (issue 28 item 2). Each rule names the class of attack it covers and
 * matches by one or more small regular expressions, each running in time linear in its input
 * (item 6):
 *
 * - a pattern with a `trigger` is tried only where the trigger (a plain alternation of words)
 *   matches, anchored there with `^`, on at most `window` characters; at most
 *   MAX_TRIGGERS_PER_TEXT triggers are tried per line (beyond that the line is held for review as
 *   `scan-limit`);
 * - a pattern without a trigger has only bounded repetition and no ambiguity.
 *
 * Every pattern and trigger passes the `recheck` ReDoS checker (test/node/scan-redos.test.ts).
 * Sources of the attack shapes: Koi Security's ClawHavoc write-up (the "prerequisite installer":
 * `curl … | bash`, `iwr … | iex`, base64-wrapped commands), Snyk's ToxicSkills study (prompt
 * injection, credential files, exfiltration hosts, hidden instructions) and OWASP's Agentic Skills
 * Top 10 (AST01 malicious skills, AST03 over-broad permissions). Patterns are matched against the
 * normalised text (src/domain/scan/normalize.ts), so they need not handle invisible or look-alike
 * characters.
 */
import { AGENT_RULES } from "./rules-agent";
import { EXECUTION_RULES } from "./rules-execution";
import { SECRET_RULES } from "./rules-secrets";
import type { ScanRule } from "./rule-vocabulary";
import { SHELL_WORD_PATTERNS } from "./shellwords";

export type { RuleClass, RulePattern, ScanRule } from "./rule-vocabulary";

export const MAX_TRIGGERS_PER_TEXT = 2000;
const DEFAULT_WINDOW = 1000;

/** Every rule, by class: src/domain/scan/rules-execution.ts, rules-secrets.ts and rules-agent.ts. */
export const RULES: readonly ScanRule[] = [...EXECUTION_RULES, ...SECRET_RULES, ...AGENT_RULES];

/** Every regular expression the rules use (patterns and triggers), for the ReDoS check. */
export function ruleExpressions(): Array<{ rule: string; expression: RegExp }> {
  return [
    ...RULES.flatMap((rule) =>
      rule.patterns.flatMap((p) => [p.pattern, p.trigger, p.then].filter((e): e is RegExp => e !== undefined).map((expression) => ({ rule: rule.id, expression }))),
    ),
    // The shell-word forms the scanner matches too (src/domain/scan/shellwords.ts).
    ...SHELL_WORD_PATTERNS.map((expression) => ({ rule: "shell-words", expression })),
  ];
}

function matchesAt(pattern: RegExp, then: RegExp | undefined, slice: string): boolean {
  const first = pattern.exec(slice);
  return first !== null && (!then || then.test(slice.slice(first[0].length)));
}

const globalPatterns = new WeakMap<RegExp, RegExp>();
function globalOf(pattern: RegExp): RegExp {
  let g = globalPatterns.get(pattern);
  if (!g) globalPatterns.set(pattern, (g = new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : pattern.flags + "g")));
  return g;
}

/**
 * Where `rule` matches in a text made of regions (lines, or windows of lines): at most one match
 * per region and pattern, `regionEnd(i)` giving the offset where the region holding offset `i`
 * ends (no match runs past it). Yields `{limit}` at a region holding more than
 * MAX_TRIGGERS_PER_TEXT triggers, then moves past it. One pass over the text per pattern, so the
 * cost is linear in its length (times the pattern's window).
 */
export function* matchesIn(rule: ScanRule, text: string, regionEnd: (index: number) => number = () => text.length): Generator<{ index: number } | { limit: number }> {
  for (const { pattern, trigger, then, window = DEFAULT_WINDOW } of rule.patterns) {
    if (!trigger) {
      const g = globalOf(pattern);
      g.lastIndex = 0;
      for (let m = g.exec(text); m; m = g.exec(text)) {
        yield { index: m.index };
        g.lastIndex = Math.max(regionEnd(m.index), m.index + 1);
      }
      continue;
    }
    trigger.lastIndex = 0;
    let end = -1;
    let tried = 0;
    for (let m = trigger.exec(text); m; m = trigger.exec(text)) {
      if (m[0].length === 0) trigger.lastIndex++;
      if (m.index >= end) {
        end = regionEnd(m.index);
        tried = 0;
      }
      if (++tried > MAX_TRIGGERS_PER_TEXT) {
        yield { limit: m.index };
        trigger.lastIndex = Math.max(end, m.index + 1);
      } else if (matchesAt(pattern, then, text.slice(m.index, Math.min(m.index + window, end)))) {
        yield { index: m.index };
        trigger.lastIndex = Math.max(end, m.index + 1);
      }
    }
  }
}

/** The index of the rule's first match in `text` (one region), or -1. */
export function firstMatch(rule: ScanRule, text: string): number {
  let first = -1;
  for (const hit of matchesIn(rule, text)) if ("index" in hit && (first < 0 || hit.index < first)) first = hit.index;
  return first;
}
