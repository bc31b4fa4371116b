/** The scanner's shared shapes (re-exported by src/domain/plugin-scan.ts, which callers import). */
export type Severity = "critical" | "high" | "medium" | "low";
export type Verdict = "safe" | "review_required" | "blocked";

export interface Finding {
  rule_id: string;
  severity: Severity;
  file: string;
  /** 1-based line of the file as uploaded (also for text found by decoding); 0 for the whole file. */
  line: number;
  message: string;
  /** At most 120 characters of the original line, invisible characters shown as \u{…}. */
  excerpt: string;
}
