/**
 * Judged relevance for catalog search (issue 13 item 2): queries over the demo catalog
 * (scripts/seed/demo-catalog.ts: its skills, agents and recipes) and the generated catalog
 * (scripts/seed/synthetic.ts, items numbered 1..400 exist at every size), each with what must rank
 * first, what must be in the top five, or that nothing may match. test/catalog/search-judged.test.ts
 * asserts every judgement; `npm run bench` scores them (MRR, precision@5) at 1k and 100k items.
 */

export type JudgementKind =
  | "exact"
  | "prefix"
  | "typo"
  | "two-word"
  | "phrase"
  | "tag"
  | "description"
  | "stop-words"
  | "punctuation"
  | "nothing";

export interface Judgement {
  query: string;
  kind: JudgementKind;
  /** The name that must rank first. */
  first?: string;
  /** A pattern the first result's name must match (when many generated items are equally right). */
  firstPattern?: RegExp;
  /** Names that must all be in the top five. */
  top5?: string[];
  /** Nothing may match. */
  none?: true;
}

/** The generated catalog's words and names, as scripts/seed/synthetic.ts builds them. */
export const SYNTHETIC_WORDS = [
  "Sales", "Support", "Invoice", "Research", "Data", "Code", "Review", "Planner", "Writer", "Analyst",
  "Scout", "Triage", "Report", "Sync", "Monitor", "Deploy", "Ledger", "Insight", "Outreach", "Scheduler",
] as const;

export function syntheticName(n: number): string {
  return `Synthetic ${SYNTHETIC_WORDS[n % 20]} ${SYNTHETIC_WORDS[Math.floor(n / 20) % 20]} ${n}`;
}

const both = (a: string, b: string) => new RegExp(`\\b(${a} ${b}|${b} ${a})\\b`, "i");

export const JUDGEMENTS: Judgement[] = [
  // Exact names: first, even when hundreds of generated names contain both words (Data Analyst).
  { query: "Ticket Triage", kind: "exact", first: "Ticket Triage" },
  { query: "PR Reviewer", kind: "exact", first: "PR Reviewer" },
  { query: "Data Analyst", kind: "exact", first: "Data Analyst" },
  { query: "sales assistant", kind: "exact", first: "Sales Assistant" },
  { query: "SQL Explainer", kind: "exact", first: "SQL Explainer" },
  { query: "Incident Postmortem", kind: "exact", first: "Incident Postmortem" },
  { query: "On-call Copilot", kind: "exact", first: "On-call Copilot" },
  { query: "Weekly Release Digest", kind: "exact", first: "Weekly Release Digest" },
  { query: "Lead Follow-up", kind: "exact", first: "Lead Follow-up" },
  { query: syntheticName(356), kind: "exact", first: syntheticName(356) },
  { query: syntheticName(123), kind: "exact", first: syntheticName(123) },
  // Prefixes, as the frontend searches while the user types.
  { query: "meeting sc", kind: "prefix", first: "Meeting Scribe" },
  { query: "spri", kind: "prefix", first: "Sprint Planner" },
  { query: "compet", kind: "prefix", first: "Competitive Research", top5: ["Market Researcher"] },
  { query: "incid", kind: "prefix", top5: ["Incident Timeline", "Incident Postmortem"] },
  { query: "release n", kind: "prefix", first: "Release Notes Writer" },
  { query: "support c", kind: "prefix", first: "Support Concierge" },
  { query: "sql", kind: "prefix", first: "SQL Explainer", top5: ["Data Analyst"] },
  { query: "meeting", kind: "prefix", top5: ["Meeting Scribe", "Meeting Summariser"] },
  // One typo in a word of the name (the other word may be right or wrong).
  { query: "Tickt Triage", kind: "typo", first: "Ticket Triage" },
  { query: "Sprint Planer", kind: "typo", first: "Sprint Planner" },
  { query: "Suport Concierge", kind: "typo", first: "Support Concierge" },
  { query: "Meeting Scribr", kind: "typo", first: "Meeting Scribe" },
  { query: "reseacher market", kind: "typo", first: "Market Researcher" },
  { query: "postmortm", kind: "typo", first: "Incident Postmortem" },
  { query: "qualifcation", kind: "typo", first: "Lead Qualification" },
  { query: "ledgr insigth", kind: "typo", firstPattern: both("ledger", "insight") },
  // Two words: both must match; names holding both come first ("Writer Insight" is no answer to "Ledger Insight").
  { query: "ledger insight", kind: "two-word", firstPattern: both("ledger", "insight") },
  { query: "insight ledger", kind: "two-word", firstPattern: both("ledger", "insight") },
  { query: "scheduler outreach", kind: "two-word", firstPattern: both("scheduler", "outreach") },
  { query: "on call", kind: "two-word", first: "On-call Copilot" },
  { query: "the sprint planner", kind: "two-word", first: "Sprint Planner" },
  { query: "pull requests", kind: "two-word", top5: ["PR Reviewer", "Release Notes Writer"] },
  // Quoted phrases: the words in that order.
  { query: '"release notes"', kind: "phrase", first: "Release Notes Writer", top5: ["Weekly Release Digest"] },
  { query: '"notes release"', kind: "phrase", none: true },
  // Tags only (never in the name).
  { query: "agile", kind: "tag", first: "Sprint Planner" },
  { query: "sre", kind: "tag", top5: ["Incident Timeline", "On-call Copilot"] },
  { query: "crm", kind: "tag", first: "Sales Assistant", top5: ["Lead Qualification"] },
  { query: "changelog", kind: "tag", top5: ["Release Notes Writer", "Weekly Release Digest"] },
  { query: "bant", kind: "tag", first: "Lead Qualification" },
  // Words only in descriptions (stemmed: "escalates" finds "escalate").
  { query: "sentiment", kind: "description", first: "Ticket Triage" },
  { query: "velocity", kind: "description", first: "Sprint Planner" },
  { query: "escalates", kind: "description", top5: ["Support Concierge", "Support Inbox Zero"] },
  { query: "briefings", kind: "description", first: "Market Researcher" },
  { query: "optimises", kind: "description", first: "SQL Explainer" },
  // Must match nothing: unknown words, one unknown word of two, stop words and punctuation alone.
  { query: "zzqx", kind: "nothing", none: true },
  { query: "quantum blockchain", kind: "nothing", none: true },
  { query: "ledger zebra", kind: "nothing", none: true },
  { query: "1_0", kind: "nothing", none: true },
  { query: "the", kind: "stop-words", none: true },
  { query: "of the", kind: "stop-words", none: true },
  { query: ":&!", kind: "punctuation", none: true },
  { query: "(", kind: "punctuation", none: true },
  { query: "'", kind: "punctuation", none: true },
];

/** Whether a result is one the judgement names (first, top five, or matching the pattern). */
export function isRelevant(judgement: Judgement, name: string): boolean {
  return name === judgement.first || (judgement.top5?.includes(name) ?? false) || (judgement.firstPattern?.test(name) ?? false);
}

/** What is wrong with a ranked list of names for this judgement, or undefined when it holds. */
export function judgementFailure(judgement: Judgement, names: string[]): string | undefined {
  if (judgement.none) return names.length === 0 ? undefined : `expected no match, got ${names.slice(0, 5).join(" | ")}`;
  const top = names.slice(0, 5);
  if (judgement.first !== undefined && names[0] !== judgement.first) return `expected "${judgement.first}" first, got ${top.join(" | ") || "nothing"}`;
  if (judgement.firstPattern && !judgement.firstPattern.test(names[0] ?? "")) return `expected ${judgement.firstPattern} first, got ${top.join(" | ") || "nothing"}`;
  const missing = (judgement.top5 ?? []).filter((n) => !top.includes(n));
  if (missing.length) return `expected ${missing.join(", ")} in the top 5, got ${top.join(" | ")}`;
  return undefined;
}

/** Reciprocal rank of the first relevant name (0 when none is in the list) and precision at 5. */
export function scoreRanking(judgement: Judgement, names: string[]): { reciprocalRank: number; precisionAt5: number } {
  const rank = names.findIndex((n) => isRelevant(judgement, n));
  const top = names.slice(0, 5);
  // Precision over the results shown, at most five: a query with two right answers scores 1 when both lead.
  const expected = Math.max(1, Math.min(5, top.length));
  return { reciprocalRank: rank < 0 ? 0 : 1 / (rank + 1), precisionAt5: top.filter((n) => isRelevant(judgement, n)).length / expected };
}
