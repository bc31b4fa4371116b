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

// A download saved to a path: `curl … -o P`, `wget … -O P`, `curl … > P`, `iwr … -OutFile P`,
// `irm … | Out-File P` (also `Set-Content`, `tee`). Tried where SAVE_TRIGGER matches, anchored
// there (as rules.ts does, for linear time). Group 1 is the path.
const SAVE_TRIGGER = /\b(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|aria2c)\b/gi;
const SAVED_DOWNLOAD = /^(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|aria2c)\b[^\n]{0,300}?(?:\s-[a-z]{0,8}o\s{1,5}|--output(?:-document)?[=\s]\s{0,3}|\s-outfile\s{1,5}|\s>{1,2}\s{0,3}|\|\s{0,3}(?:out-file|set-content|tee)(?:\s{1,5}-[a-z]{1,12}){0,2}\s{1,5})["']?([^\s"';&|<>()]{1,200})/i;
// A path run: by a shell or interpreter, sourced, made executable, or called with `&` (RUN_BY), or
// as the command itself (RUN_DIRECT: `./P`, `/tmp/P`, `~/P`, `$HOME/P` at a command's start).
const RUN_TRIGGER = /(?<![^\s;&|(\0"'])(?:sudo|(?:ba|z|da|k)?sh|source|python[23]?|node|perl|ruby|pwsh|powershell|chmod|start-process|invoke-item|[.&~$/])/gi;
const RUN_BY = /^(?:sudo\s{1,5})?(?:(?:ba|z|da|k)?sh|source|\.|python[23]?|node|perl|ruby|pwsh|powershell|chmod\s{1,5}(?:[ugoa]{0,3}\+[rw]{0,2}x[rw]{0,2}|0?[0-7]{3})|&|start-process(?:\s{1,5}-filepath)?|invoke-item)\s{1,5}["']?([^\s"';&|<>()]{1,200})/i;
const RUN_DIRECT = /^((?:\.{1,2}|~|\$\{?\w{1,30}\}?)?\/[^\s"';&|<>()]{1,200})/;
const NOT_A_FILE = /^(?:-|\/dev\/(?:null|stdout|stderr|stdin|tty))$/i;
const WINDOW = 400;

/** True when `index` starts a command: the text's start, or after a newline, NUL, `;`, `&`, `|` or `(` (spaces and a quote between). */
function commandStart(text: string, index: number): boolean {
  let i = index - 1;
  while (i >= 0 && index - i <= 6 && (text[i] === " " || text[i] === "\t" || text[i] === '"' || text[i] === "'")) i--;
  return i < 0 || "\n\0;&|(".includes(text[i]!);
}

/** A path as compared: quotes and a leading `./` dropped; its last segment as the base name. */
function pathKey(path: string): { full: string; base: string } {
  const full = path.replace(/^["']|["']$/g, "").replace(/^\.\//, "");
  return { full, base: full.slice(Math.max(full.lastIndexOf("/"), full.lastIndexOf("\\")) + 1) };
}

export const MATCHERS: readonly Matcher[] = [
  {
    id: "download-run-file",
    severity: "critical",
    class: "download_execute",
    explanation: "Saves a download to a file and later runs that file (or makes it executable), however far apart.",
    patterns: [SAVE_TRIGGER, SAVED_DOWNLOAD, RUN_TRIGGER, RUN_BY, RUN_DIRECT, NOT_A_FILE],
    find: (text) => {
      // Issue 28 review, item 1: the 3-line window of `download-then-run` missed `bash setup.sh` four
      // lines on. Saved paths are collected in one pass, runs of them found in a second.
      const saved = new Map<string, number>();
      for (const t of text.matchAll(SAVE_TRIGGER)) {
        const m = SAVED_DOWNLOAD.exec(text.slice(t.index, t.index + WINDOW));
        if (!m || NOT_A_FILE.test(m[1]!)) continue;
        const { full, base } = pathKey(m[1]!);
        for (const key of [full, base.length >= 3 ? `base:${base}` : ""]) if (key && !saved.has(key)) saved.set(key, t.index);
      }
      if (saved.size === 0) return [];
      for (const t of text.matchAll(RUN_TRIGGER)) {
        const slice = text.slice(t.index, t.index + WINDOW);
        const path = RUN_BY.exec(slice)?.[1] ?? (commandStart(text, t.index) ? RUN_DIRECT.exec(slice)?.[1] : undefined);
        if (path === undefined) continue;
        const { full, base } = pathKey(path);
        const at = saved.get(full) ?? saved.get(`base:${base}`);
        if (at !== undefined && at < t.index) return [{ index: t.index, message: `Runs '${full.slice(0, 80)}', a file it downloaded earlier.` }];
      }
      return [];
    },
  },
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
