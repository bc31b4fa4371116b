import type { RuleClass } from "./rules";
import type { Severity } from "./types";

/**
 * Rules that need a little code beyond one regular expression (issue 28 item 2: "pattern or
 * matcher"). Their regular expressions are listed in `patterns` so the ReDoS check covers them.
 */
export interface Matcher {
  id: string;
  severity: Severity;
  class: RuleClass;
  explanation: string;
  patterns: readonly RegExp[];
  find: (text: string) => Array<{ index: number; message: string }>;
}

const SPLIT_NAMES = /^(?:eval|exec|execsync|spawn|system|popen|function|require|import|child_process|subprocess|fromcharcode|constructor|iex|invoke-expression)$/i;
// A string literal followed by `+ 'literal'` at least once; each piece at most 12 characters.
const SPLIT_CHAIN = /(["'`])[\w.-]{1,12}\1(?:\s{0,5}\+\s{0,5}(["'`])[\w.-]{1,12}\2){1,8}/g;
const SPLIT_PIECE = /(["'`])([\w.-]{1,12})\1/g;

const BLOB_MIN_LENGTH = 200;
const BLOB = new RegExp(`[A-Za-z0-9+/]{${BLOB_MIN_LENGTH}}[A-Za-z0-9+/]{0,1000000}={0,2}`, "g");
const MEDIA_DATA_URI = /data:(?:image|font|audio|video)\/[\w.+-]{1,40};base64,$/i;

export const MATCHERS: readonly Matcher[] = [
  {
    id: "split-name",
    severity: "critical",
    class: "obfuscated_eval",
    explanation: "Builds a dangerous name ('ev' + 'al') from pieces to dodge review.",
    patterns: [SPLIT_CHAIN, SPLIT_PIECE, SPLIT_NAMES],
    find: (text) => {
      const hits: Array<{ index: number; message: string }> = [];
      for (const chain of text.matchAll(SPLIT_CHAIN)) {
        const joined = [...chain[0].matchAll(SPLIT_PIECE)].map((m) => m[2]).join("");
        if (SPLIT_NAMES.test(joined)) hits.push({ index: chain.index, message: `Builds the name '${joined}' from pieces to dodge review.` });
      }
      return hits;
    },
  },
  {
    id: "encoded-blob",
    severity: "high",
    class: "obfuscated_eval",
    explanation: "A long base64-like run that reviewers cannot read (media data URIs excepted).",
    patterns: [BLOB, MEDIA_DATA_URI],
    find: (text) => {
      for (const blob of text.matchAll(BLOB)) {
        if (MEDIA_DATA_URI.test(text.slice(Math.max(0, blob.index - 60), blob.index))) continue;
        return [{ index: blob.index, message: `A base64-like run of ${blob[0].length} characters.` }];
      }
      return [];
    },
  },
];
