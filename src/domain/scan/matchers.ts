import { firstMatch, RULES, type RuleClass } from "./rules";
import { normalizeLine } from "./normalize";
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
const SAVED_DOWNLOAD = /^(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|aria2c)\b[^\n]{0,300}?(?:\s-[a-z]{0,8}o\s{1,5}|--output(?:-document)?[=\s]\s{0,3}|--remote-name(?:-all)?\s{1,5}|\s-outfile\s{1,5}|\s>{1,2}\s{0,3}|\|\s{0,3}(?:out-file|set-content|tee)(?:\s{1,5}-[a-z]{1,12}){0,2}\s{1,5})["']?([^\s"';&|<>()]{1,200})/i;
// A path run: by a shell or interpreter, sourced, made executable, or called with `&` (RUN_BY), or
// as the command itself (RUN_DIRECT: `./P`, `/tmp/P`, `~/P`, `$HOME/P` at a command's start).
const RUN_TRIGGER = /(?<![^\s;&|(\0"'])(?:sudo|(?:ba|z|da|k)?sh|source|python[23]?|node|perl|ruby|pwsh|powershell|chmod|start-process|invoke-item|[.&~$/])/gi;
const RUN_BY = /^(?:sudo\s{1,5})?(?:(?:ba|z|da|k)?sh|source|\.|python[23]?|node|perl|ruby|pwsh|powershell|chmod\s{1,5}(?:[ugoa]{0,3}\+[rw]{0,2}x[rw]{0,2}|0?[0-7]{3})|&|start-process(?:\s{1,5}-filepath)?|invoke-item)\s{1,5}["']?([^\s"';&|<>()]{1,200})/i;
const RUN_DIRECT = /^((?:\.{1,2}|~|\$\{?\w{1,30}\}?)?\/[^\s"';&|<>()]{1,200})/;
// `wget [options] URL` with no -O saves to the URL's last segment (issue 28 second review, C); the
// options are checked in code for an O (a -O given after the URL is SAVED_DOWNLOAD's case).
const WGET_IMPLICIT = /^wget((?:\s{1,5}-{1,2}[\w=-]{1,30}){0,8})\s{1,5}["']?(https?:\/\/[^\s"';&|<>()]{1,300})/i;
// `git clone URL [DIR]`: a script run from DIR/ (or the repository's name) ran downloaded code.
const GIT_CLONE_TRIGGER = /\bgit\s{1,5}clone\b/gi;
const GIT_CLONE = /^git\s{1,5}clone((?:\s{1,5}-{1,2}[\w=-]{1,30}){0,8})\s{1,5}["']?((?:https?|git|ssh):\/\/[^\s"';&|<>()]{1,300}|[\w.-]{1,60}@[^\s"';&|<>()]{1,300})["']?(?:\s{1,5}["']?([^\s"';&|<>()-][^\s"';&|<>()]{0,199}))?/i;
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

// Code that fetches over the network (issue 28 second review, A). Each is a plain alternation with
// bounded gaps, searched globally (no trigger needed: nothing repeats before the first word).
const CODE_FETCH = /\b(?:urlopen\s{0,3}\(|urlretrieve\s{0,3}\(|requests\s{0,3}\.\s{0,3}(?:get|post|request)\s{0,3}\(|httpx\s{0,3}\.\s{0,3}(?:get|post|stream|request)\s{0,3}\(|fetch\(|axios(?:\s{0,3}\.\s{0,3}(?:get|request))?\s{0,3}\(|https?\s{0,3}\.\s{0,3}(?:get|request)\s{0,3}\(|uri\s{0,3}\.\s{0,3}open\s{0,3}\(|net::http\s{0,3}\.\s{0,3}get\b|file_get_contents\s{0,3}\(\s{0,3}["']https?:)/gi;
// Code run from a string: exec/eval/compile (not a method: `re.compile(`, `regex.exec(`), builtins.exec,
// runpy, Module._compile, the Function constructors (also reached through getPrototypeOf or
// `.constructor`), vm, Ruby's *_eval.
const CODE_EVAL = /(?<![.\w$])(?:exec|eval|compile)\(|\bbuiltins\s{0,3}\.\s{0,3}(?:exec|eval)\b|\brunpy\s{0,3}\.\s{0,3}run_(?:path|module)\b|\._compile\s{0,3}\(|\bnew\s{1,5}(?:Async|Generator)?Function\b|\b(?:Async|AsyncGenerator|Generator)Function\s{0,3}\(|\bgetPrototypeOf\s{0,3}\(\s{0,3}(?:async\s{1,5})?function\b|\.constructor\s{0,3}\)\s{0,3}\(|\bvm\s{0,3}\.\s{0,3}(?:runIn\w{0,20}|Script|compileFunction|SourceTextModule)\b|\b(?:instance|class|module)_eval\b/g;
// Loading a module by path or name (dynamic only when the file wrote that path: CODE_WRITE).
const CODE_LOAD = /\b(?:require|import|import_module|load|require_once|include)\s{0,3}\(\s{0,3}["'`]([^"'`\n]{1,200})["'`]/g;
const CODE_WRITE = /\b(?:open|writeFileSync|writeFile|File\.write|file_put_contents|Path)\s{0,3}\(\s{0,3}["'`]([^"'`\n]{1,200})["'`]/g;
// Code that starts a process: a tool may fetch data and run git, so this is for a reviewer (high).
const CODE_SPAWN = /\bos\s{0,3}\.\s{0,3}(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?)\s{0,3}\(|\bsubprocess\s{0,3}\.\s{0,3}(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)\b|\bchild_process\b|\b(?:execSync|execFileSync|spawnSync|execFile|passthru|shell_exec|proc_open|pcntl_exec)\s{0,3}\(|(?<![.\w$])system\s{0,3}\(|%x[({[]|\bOpen3\b/g;

// `powershell -EncodedCommand <base64 of UTF-16LE text>` (also -enc, -e, -ec): decoded and matched.
const ENCODED_COMMAND = /\b(?:powershell|pwsh)(?:\.exe)?(?:\s{1,5}-(?!e)\w{1,20}(?:\s{1,5}[a-z]\w{0,19})?){0,5}\s{1,5}-e(?:nc(?:odedcommand)?|c)?\s{1,5}["']?([A-Za-z0-9+/]{8,20000}={0,2})/gi;
// `x=$(curl …)` (or backticks), later `$x` at a command's start (issue 28 second review, C).
const FETCH_ASSIGN = /\b([A-Za-z_]\w{0,39})=["']?(?:\$\(|`)\s{0,3}(?:sudo\s{1,5})?(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|fetch|http|xh|lynx)\b/gi;
const VARIABLE_USE = /\$\{?([A-Za-z_]\w{0,39})\b/g;

/** UTF-16LE text of a base64 string, or "" when it does not decode to mostly printable text. */
function utf16Base64(b64: string): string {
  let binary: string;
  try {
    binary = atob(b64);
  } catch {
    return "";
  }
  let out = "";
  for (let i = 0; i + 1 < binary.length; i += 2) out += String.fromCharCode(binary.charCodeAt(i) | (binary.charCodeAt(i + 1) << 8));
  return /^[\x09\x0a\x0d\x20-\x7e]{4,}$/.test(out) ? out : "";
}

/** Index of the first match of a global expression, or -1. */
function firstIndex(pattern: RegExp, text: string): number {
  pattern.lastIndex = 0;
  const m = pattern.exec(text);
  pattern.lastIndex = 0;
  return m ? m.index : -1;
}

/** Names a written path may be loaded by: the path, its base name, and both without the extension (`m.py` → `m`). */
function moduleKeys(path: string): string[] {
  const { full, base } = pathKey(path);
  const strip = (p: string) => p.replace(/\.(?:py|js|mjs|cjs|ts|rb|php)$/i, "");
  return [full, base, strip(full), strip(base)].filter((k) => k.length > 0);
}

/** The last path segment of a URL, query and fragment dropped (what `wget U` and `curl -O U` save to). */
function urlBase(url: string): string {
  const path = url.replace(/[?#].{0,300}$/, "");
  return path.slice(path.lastIndexOf("/") + 1);
}

export const MATCHERS: readonly Matcher[] = [
  {
    id: "download-run-file",
    severity: "critical",
    class: "download_execute",
    explanation: "Saves a download to a file and later runs that file (or makes it executable), however far apart.",
    patterns: [SAVE_TRIGGER, SAVED_DOWNLOAD, WGET_IMPLICIT, GIT_CLONE_TRIGGER, GIT_CLONE, RUN_TRIGGER, RUN_BY, RUN_DIRECT, NOT_A_FILE],
    find: (text) => {
      // Issue 28 review, item 1: the 3-line window of `download-then-run` missed `bash setup.sh` four
      // lines on. Saved paths are collected in one pass, runs of them found in a second.
      const saved = new Map<string, number>();
      const save = (path: string, at: number) => {
        const { full, base } = pathKey(path);
        for (const key of [full, base.length >= 3 ? `base:${base}` : ""]) if (key && !saved.has(key)) saved.set(key, at);
      };
      for (const t of text.matchAll(SAVE_TRIGGER)) {
        const slice = text.slice(t.index, t.index + WINDOW);
        const m = SAVED_DOWNLOAD.exec(slice);
        if (m && !NOT_A_FILE.test(m[1]!)) save(m[1]!, t.index);
        const w = m ? null : WGET_IMPLICIT.exec(slice);
        if (w && !/O/.test(w[1]!)) save(urlBase(w[2]!), t.index);
      }
      // Cloned directories, matched by prefix (`bash /tmp/r/install.sh` after `git clone U /tmp/r`).
      const dirs: Array<{ dir: string; at: number }> = [];
      for (const t of text.matchAll(GIT_CLONE_TRIGGER)) {
        const m = GIT_CLONE.exec(text.slice(t.index, t.index + WINDOW));
        if (m) dirs.push({ dir: pathKey(m[3] ?? urlBase(m[2]!).replace(/\.git$/i, "")).full.replace(/\/+$/, ""), at: t.index });
      }
      if (saved.size === 0 && dirs.length === 0) return [];
      for (const t of text.matchAll(RUN_TRIGGER)) {
        const slice = text.slice(t.index, t.index + WINDOW);
        const path = RUN_BY.exec(slice)?.[1] ?? (commandStart(text, t.index) ? RUN_DIRECT.exec(slice)?.[1] : undefined);
        if (path === undefined) continue;
        const { full, base } = pathKey(path);
        const at = saved.get(full) ?? saved.get(`base:${base}`) ?? dirs.find((d) => d.dir.length > 0 && full.startsWith(`${d.dir}/`))?.at;
        if (at !== undefined && at < t.index) return [{ index: t.index, message: `Runs '${full.slice(0, 80)}', a file it downloaded earlier.` }];
      }
      return [];
    },
  },
  {
    id: "download-exec-code",
    severity: "critical",
    class: "download_execute",
    explanation: "Code that downloads over the network and runs code from a string or from a file it wrote (exec, eval, Function, vm, runpy, require of the written file).",
    patterns: [CODE_FETCH, CODE_EVAL, CODE_LOAD, CODE_WRITE],
    find: (text) => {
      // Issue 28 second review, A: `src = urlopen(U).read()` then `builtins.exec(src)` lines apart.
      const fetchAt = firstIndex(CODE_FETCH, text);
      if (fetchAt < 0) return [];
      const evalAt = firstIndex(CODE_EVAL, text);
      if (evalAt >= 0) return [{ index: evalAt, message: "Runs code from a string in code that also downloads." }];
      const written = new Set<string>();
      for (const m of text.matchAll(CODE_WRITE)) for (const key of moduleKeys(m[1]!)) written.add(key);
      if (written.size === 0) return [];
      for (const m of text.matchAll(CODE_LOAD)) {
        if (moduleKeys(m[1]!).some((key) => written.has(key))) return [{ index: m.index, message: `Loads '${m[1]!.slice(0, 80)}', a file the code wrote, in code that downloads.` }];
      }
      return [];
    },
  },
  {
    id: "download-spawn-code",
    severity: "high",
    class: "remote_code",
    explanation: "Code that downloads over the network also starts processes (os.system, subprocess, child_process, system): a reviewer checks what it runs.",
    patterns: [CODE_FETCH, CODE_SPAWN],
    find: (text) => {
      if (firstIndex(CODE_FETCH, text) < 0) return [];
      const at = firstIndex(CODE_SPAWN, text);
      return at < 0 ? [] : [{ index: at, message: "Starts a process in code that also downloads." }];
    },
  },
  {
    id: "encoded-command-download",
    severity: "critical",
    class: "download_execute",
    explanation: "A PowerShell -EncodedCommand whose decoded text downloads and runs code.",
    patterns: [ENCODED_COMMAND],
    find: (text) => {
      for (const m of text.matchAll(ENCODED_COMMAND)) {
        const decoded = normalizeLine(utf16Base64(m[1]!));
        if (!decoded) continue;
        const rule = RULES.find((r) => r.severity === "critical" && r.class === "download_execute" && firstMatch(r, decoded) >= 0);
        if (rule) return [{ index: m.index, message: `Runs an encoded PowerShell command that decodes to a '${rule.id}' pattern: ${decoded.slice(0, 80)}` }];
      }
      return [];
    },
  },
  {
    id: "fetch-variable-exec",
    severity: "critical",
    class: "download_execute",
    explanation: "Stores a download in a variable and later runs the variable as a command.",
    patterns: [FETCH_ASSIGN, VARIABLE_USE],
    find: (text) => {
      const names = new Map<string, number>();
      for (const m of text.matchAll(FETCH_ASSIGN)) if (!names.has(m[1]!)) names.set(m[1]!, m.index);
      if (names.size === 0) return [];
      for (const m of text.matchAll(VARIABLE_USE)) {
        const at = names.get(m[1]!);
        if (at !== undefined && at < m.index && commandStart(text, m.index)) return [{ index: m.index, message: `Runs '$${m[1]!}', which holds a download.` }];
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
