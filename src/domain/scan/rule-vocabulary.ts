/**
 * What the scanner's rules are made of (src/domain/scan/rules.ts): the rule types and the
 * vocabulary several rules share (download tools, shells and their wrappers, credential paths).
 * Every expression built here is checked by recheck through the rules that use it.
 */
import type { Severity } from "./types";

export type RuleClass =
  | "download_execute"
  /**
   * Code from elsewhere that a reviewer checks but that is not certainly run (high, where every
   * download_execute rule is critical): a package installed from a URL or another index, a process
   * started by code that also downloads (issue 28 second review, A and C).
   */
  | "remote_code"
  | "credentials_environment"
  | "exfiltration_host"
  | "prompt_injection"
  | "persistence"
  | "disabled_safety"
  | "obfuscated_eval"
  | "hidden_content"
  | "undeclared_capability";

export interface RulePattern {
  /** Anchored with `^` when `trigger` is set. */
  pattern: RegExp;
  /** Global alternation of the words a match starts with. */
  trigger?: RegExp;
  /** Characters from a trigger the pattern may look at (default 1,000). */
  window?: number;
  /**
   * A second anchored pattern that must match right after `pattern`'s match (within the window):
   * two bounded gaps in one expression would backtrack over each other.
   */
  then?: RegExp;
}

export interface ScanRule {
  id: string;
  severity: Severity;
  class: RuleClass;
  /** Shown to reviewers as the finding's message. */
  explanation: string;
  /** The rule matches where any of these does. */
  patterns: readonly RulePattern[];
  /** The rule does not apply when the manifest declares this capability. */
  waivedBy?: "shell";
}

export const r = String.raw;
export const re = (source: string, flags = "i") => new RegExp(source, flags);

// Vocabulary shared by several rules.
/**
 * Words that start a download. Besides the usual tools (issue 28 second review, C): HTTPie and xh
 * printing a body, `lynx -source`, BSD `fetch -o -`, Python's urlopen, and `ssh host cat FILE`.
 */
export const FETCH_WORDS = r`curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|aria2c|lwp-download|downloadstring|downloadfile|net\.webclient|start-bitstransfer|certutil|bitsadmin|xh|xhs|lynx\s{1,5}-(?:source|dump)|https?\s{1,5}(?:--body|-b)|fetch\s{1,5}-(?:q\s{1,5})?o\s{1,5}-\s{1,5}https?|urlopen|ssh\s{1,5}[\w.@-]{1,100}\s{1,5}cat`;
export const FETCH_TRIGGER = re(r`\b(?:${FETCH_WORDS})\b`, "gi");
export const SHELLS = r`(?:ba|z|da|k|fi|a|c|tc|mk|ya)?sh|ksh93|pypy[23]?|rscript|tsx|ts-node|python[23]?(?:\.\d{1,2})?|node|nodejs|perl|ruby|php|pwsh|powershell|iex|invoke-expression|cmd|source|osascript|lua(?:jit)?|bun|deno|tclsh|\$\{?SHELL\}?`;
/**
 * Programs a pipe may pass through on its way to a shell (issue 28 review, item 1): `| exec bash`,
 * `| command bash`, `| nice -n 5 bash`, `| timeout 60 bash`, `| xargs -0 sh -c`, `| busybox sh`,
 * `| env -i bash`, `| nohup bash`. Each ends with its spaces.
 */
export const WRAPPER = r`(?:exec(?:\s{1,5}-[a-z]{1,3})?|command|builtin|nohup|setsid|busybox|stdbuf(?:\s{1,5}-\w{1,12}){1,3}|nice(?:\s{1,5}-n)?(?:\s{1,5}-?\d{1,3})?|timeout(?:\s{1,5}-[\w=-]{1,20}){0,2}\s{1,5}\d{1,6}[smhd]?|xargs(?:\s{1,5}-[\w=-]{1,20}){0,4}|(?:/usr)?(?:/bin/)?env(?:\s{1,5}-[\w=-]{1,20}){0,3})\s{1,5}`;
/** Sinks that are not a program name: `. /dev/stdin`, PowerShell `% { iex $_ }`, awk's `system(`. */
export const SINK_OTHER = r`\.\s{1,5}/dev/stdin\b|(?:%|foreach-object|foreach)\s{0,3}\{\s{0,3}(?:iex|invoke-expression)\b|[gmn]?awk\b[^\n|]{0,100}?\bsystem\s{0,3}\(`;
/** What a pipe feeds into: a shell or interpreter, maybe through sudo or WRAPPERs or a /bin path, maybe quoted. */
export const SINK = r`(?:sudo\b[^\n|;&]{0,60}?\s)?(?:${WRAPPER}){0,3}(?:["']?(?:/usr)?(?:/local)?(?:/s?bin/)?(?:${SHELLS})(?:\.exe)?["']?(?![\w-]|\.\w)|${SINK_OTHER})`;
/** PowerShell (and other) ways to fetch text. */
export const PS_FETCH = r`iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring|downloaddata|net\.webclient|curl|wget`;
/** Node ways of running a string as code (issue 28 review, item 1). */
export const NODE_EVAL = r`\bFunction\s{0,3}\(|\(\s{0,3}0\s{0,3},\s{0,3}eval\s{0,3}\)|\b(?:globalThis|window|global|self)\s{0,3}(?:\.\s{0,3}eval\b|\[\s{0,3}["'\x60]eval)|\brunIn(?:This|New)?Context\b|\bimport\s{0,3}\(\s{0,3}["'\x60]data:|\beval\s{0,3}\(`;
export const SHELL_WORDS = r`eval|source|exec|iex|invoke-expression|sh|bash|zsh|dash|ksh|fish|ash|python[23]?|node|perl|ruby|pwsh|powershell`;
// Flags before the decode flag never start with "d", so the two parts cannot match the same text.
export const BASE64_DECODE = r`base64\s{1,5}(?:-{1,2}[a-ce-z][a-z0-9-]{0,15}\s{1,5}){0,3}(?:-d|--decode)\b`;
export const CREDENTIAL_PATH = r`(?:\.ssh[/\\](?:id_[\w-]{1,30}(?!\.pub)\b|[\w.-]{0,30}_key\b)|\.aws[/\\](?:credentials|config)\b|\.gnupg\b|\.kube[/\\]config\b|\.docker[/\\]config\.json|\.config[/\\]gcloud\b|\.azure\b|\.npmrc\b|\.netrc\b|\.pypirc\b|\.git-credentials\b|\.password-store\b|wallet\.dat\b|login\.keychain|keychain-db\b|\.bash_history\b|\.zsh_history\b|/etc/shadow\b|\.config[/\\]gh[/\\]hosts\.yml\b|\bid_(?:rsa|ed25519|ecdsa|dsa)\b(?!\.pub))`;
export const CREDENTIAL_VERBS = r`cat|type|less|more|head|tail|cp|copy|scp|rsync|tar|zip|base64|xxd|read|reads|open|readfilesync|readfile|get-content|gc|upload|send|post|exfiltrate|include|print|dump|collect|grab|steal|attach|encode`;
export const SECRET_VARIABLE = r`\$\{?[A-Za-z_]{0,40}(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIALS?|Key|Token|Secret|Password|key|token|secret|password)\b`;

/** A download saved to a file: the fetch word, an output flag or redirection, and the file name. */
export const SAVE_DOWNLOAD = re(r`^(?:${FETCH_WORDS})\b[^\n]{0,300}?(?:\s-[a-z]{0,8}o\s{1,5}|--output(?:-document)?[=\s]|-outfile\s|\s>{1,2}\s{0,3})["']?[^\s"';&|]{1,200}`);
