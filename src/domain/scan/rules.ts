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
import { SHELL_WORD_PATTERNS } from "./shellwords";
import type { Severity } from "./types";

export type RuleClass =
  | "download_execute"
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

export const MAX_TRIGGERS_PER_TEXT = 2000;
const DEFAULT_WINDOW = 1000;

const r = String.raw;
const re = (source: string, flags = "i") => new RegExp(source, flags);

// Vocabulary shared by several rules.
const FETCH_WORDS = r`curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|aria2c|lwp-download|downloadstring|downloadfile|net\.webclient|start-bitstransfer|certutil|bitsadmin`;
const FETCH_TRIGGER = re(r`\b(?:${FETCH_WORDS})\b`, "gi");
const SHELLS = r`(?:ba|z|da|k|fi|a|c|tc|mk)?sh|python[23]?(?:\.\d{1,2})?|node|nodejs|perl|ruby|php|pwsh|powershell|iex|invoke-expression|cmd|source|osascript|lua(?:jit)?|bun|deno|tclsh|\$\{?SHELL\}?`;
/**
 * Programs a pipe may pass through on its way to a shell (issue 28 review, item 1): `| exec bash`,
 * `| command bash`, `| nice -n 5 bash`, `| timeout 60 bash`, `| xargs -0 sh -c`, `| busybox sh`,
 * `| env -i bash`, `| nohup bash`. Each ends with its spaces.
 */
const WRAPPER = r`(?:exec(?:\s{1,5}-[a-z]{1,3})?|command|builtin|nohup|setsid|busybox|stdbuf(?:\s{1,5}-\w{1,12}){1,3}|nice(?:\s{1,5}-n)?(?:\s{1,5}-?\d{1,3})?|timeout(?:\s{1,5}-[\w=-]{1,20}){0,2}\s{1,5}\d{1,6}[smhd]?|xargs(?:\s{1,5}-[\w=-]{1,20}){0,4}|(?:/usr)?(?:/bin/)?env(?:\s{1,5}-[\w=-]{1,20}){0,3})\s{1,5}`;
/** Sinks that are not a program name: `. /dev/stdin`, PowerShell `% { iex $_ }`, awk's `system(`. */
const SINK_OTHER = r`\.\s{1,5}/dev/stdin\b|(?:%|foreach-object|foreach)\s{0,3}\{\s{0,3}(?:iex|invoke-expression)\b|[gmn]?awk\b[^\n|]{0,100}?\bsystem\s{0,3}\(`;
/** What a pipe feeds into: a shell or interpreter, maybe through sudo or WRAPPERs or a /bin path, maybe quoted. */
const SINK = r`(?:sudo\b[^\n|;&]{0,60}?\s)?(?:${WRAPPER}){0,3}(?:["']?(?:/usr)?(?:/local)?(?:/s?bin/)?(?:${SHELLS})(?:\.exe)?["']?(?![\w-]|\.\w)|${SINK_OTHER})`;
/** PowerShell (and other) ways to fetch text. */
const PS_FETCH = r`iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring|downloaddata|net\.webclient|curl|wget`;
/** Node ways of running a string as code (issue 28 review, item 1). */
const NODE_EVAL = r`\bFunction\s{0,3}\(|\(\s{0,3}0\s{0,3},\s{0,3}eval\s{0,3}\)|\b(?:globalThis|window|global|self)\s{0,3}(?:\.\s{0,3}eval\b|\[\s{0,3}["'\x60]eval)|\brunIn(?:This|New)?Context\b|\bimport\s{0,3}\(\s{0,3}["'\x60]data:|\beval\s{0,3}\(`;
const SHELL_WORDS = r`eval|source|exec|iex|invoke-expression|sh|bash|zsh|dash|ksh|fish|ash|python[23]?|node|perl|ruby|pwsh|powershell`;
// Flags before the decode flag never start with "d", so the two parts cannot match the same text.
const BASE64_DECODE = r`base64\s{1,5}(?:-{1,2}[a-ce-z][a-z0-9-]{0,15}\s{1,5}){0,3}(?:-d|--decode)\b`;
const CREDENTIAL_PATH = r`(?:\.ssh[/\\](?:id_[\w-]{1,30}(?!\.pub)\b|[\w.-]{0,30}_key\b)|\.aws[/\\](?:credentials|config)\b|\.gnupg\b|\.kube[/\\]config\b|\.docker[/\\]config\.json|\.config[/\\]gcloud\b|\.azure\b|\.npmrc\b|\.netrc\b|\.pypirc\b|\.git-credentials\b|\.password-store\b|wallet\.dat\b|login\.keychain|keychain-db\b|\.bash_history\b|\.zsh_history\b|/etc/shadow\b|\.config[/\\]gh[/\\]hosts\.yml\b|\bid_(?:rsa|ed25519|ecdsa|dsa)\b(?!\.pub))`;
const CREDENTIAL_VERBS = r`cat|type|less|more|head|tail|cp|copy|scp|rsync|tar|zip|base64|xxd|read|reads|open|readfilesync|readfile|get-content|gc|upload|send|post|exfiltrate|include|print|dump|collect|grab|steal|attach|encode`;
const SECRET_VARIABLE = r`\$\{?[A-Za-z_]{0,40}(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIALS?|Key|Token|Secret|Password|key|token|secret|password)\b`;

/** A download saved to a file: the fetch word, an output flag or redirection, and the file name. */
const SAVE_DOWNLOAD = re(r`^(?:${FETCH_WORDS})\b[^\n]{0,300}?(?:\s-[a-z]{0,8}o\s{1,5}|--output(?:-document)?[=\s]|-outfile\s|\s>{1,2}\s{0,3})["']?[^\s"';&|]{1,200}`);

export const RULES: readonly ScanRule[] = [
  // ── Download and execute (ClawHavoc's "prerequisite installer"; every variant is critical) ──
  {
    id: "pipe-to-shell",
    severity: "critical",
    class: "download_execute",
    explanation: "Pipes a downloaded script into a shell or interpreter (the ClawHavoc 'prerequisite installer' pattern; OWASP AST01).",
    patterns: [{ trigger: FETCH_TRIGGER, pattern: re(r`^(?:${FETCH_WORDS})\b[^\n]{0,500}\|\s{0,20}${SINK}`) }],
  },
  {
    id: "fetch-substitution-exec",
    severity: "critical",
    class: "download_execute",
    explanation: "Runs the output of a download through eval, source, a shell's -c or process substitution.",
    patterns: [
      {
        trigger: re(r`\b(?:${SHELL_WORDS})\b|\.\s{1,5}<\(`, "gi"),
        // `bash <<< "$(curl …)"` and `sh < <(curl …)` too (a here-string or redirect before it).
        pattern: re(r`^(?:eval|source|exec|\.|iex|invoke-expression|(?:ba|z|da|k|fi|a)?sh|python[23]?|node|perl|ruby|pwsh|powershell)(?:\s{1,5}-{1,2}[\w-]{1,20}){0,4}\s{0,5}(?:<{1,3}\s{0,5})?["'(]{0,3}\s{0,5}(?:[$<]\(|\x60)\s{0,5}(?:sudo\s{1,5})?(?:${FETCH_WORDS})\b`),
      },
      { trigger: re(r`\b(?:iex|invoke-expression)\b`, "gi"), pattern: re(r`^(?:iex|invoke-expression)\b[^\n]{0,300}\b(?:iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring|downloadfile|net\.webclient|curl|wget)\b`) },
      // `& ([scriptblock]::Create((irm U)))`.
      { trigger: re(r`\bscriptblock\b`, "gi"), pattern: re(r`^scriptblock\s{0,3}\]\s{0,3}::\s{0,3}create\s{0,3}\([^\n]{0,300}?\b(?:${PS_FETCH})\b`) },
      // `.(gcm i*x) (irm U)`: a command found by wildcard, given a download.
      { trigger: re(r`\b(?:gcm|get-command)\b`, "gi"), pattern: re(r`^(?:gcm|get-command)\s{1,5}["']?[\w-]{0,10}[*?][\w*?-]{0,10}["']?\s{0,3}\)[^\n]{0,300}?\b(?:${PS_FETCH})\b`) },
      // `$c = irm U; iex $c` (PowerShell) within the window.
      {
        trigger: /\$\w{1,40}\s{0,3}=/g,
        window: 600,
        pattern: re(r`^\$\w{1,40}\s{0,3}=\s{0,3}[(\s]{0,5}(?:new-object\s{1,5}(?:system\.)?net\.webclient\s{0,3}\)\s{0,3}\.\s{0,3}(?:downloadstring|downloaddata)|iwr|irm|invoke-webrequest|invoke-restmethod|curl|wget)\b`),
        then: re(r`^[^\n]{0,400}?\b(?:iex|invoke-expression)\s{0,3}[(\s]\s{0,3}\$`),
      },
      // `c=$(curl U); eval "$c"` (sh) within the window.
      {
        trigger: /\b[A-Za-z_]\w{0,39}=\$\(/g,
        window: 600,
        pattern: re(r`^[A-Za-z_]\w{0,39}=\$\(\s{0,3}(?:sudo\s{1,5})?(?:${FETCH_WORDS})\b`),
        then: re(r`^[^\n]{0,400}?\b(?:eval|(?:ba|z|da|k)?sh\s{1,5}-c|source|exec)\s{1,5}["']?\$`),
      },
    ],
  },
  {
    id: "download-then-run",
    severity: "critical",
    class: "download_execute",
    explanation: "Saves a download to a file and then runs it (or makes it executable).",
    patterns: [
      {
        trigger: FETCH_TRIGGER,
        window: 1200,
        pattern: SAVE_DOWNLOAD,
        then: re(r`^[^\n]{0,300}?(?:&&|;|\|\||\bthen\b)\s{0,5}(?:sudo\s{1,5})?(?:\.{1,2}/[\w.-]|\$\{?\w{1,30}\}?/|~/|/tmp/|/var/tmp/|/dev/shm/|chmod\s{1,5}[^\n;&|]{0,40}x\b|start-process\b|&\s{0,3}["'$])`),
      },
      {
        trigger: FETCH_TRIGGER,
        window: 1200,
        pattern: SAVE_DOWNLOAD,
        then: re(r`^[^\n]{0,300}?[\s;&|(](?:sudo\s{1,5})?(?:(?:ba|z|da|k|fi|a)?sh|source|\.|python[23]?|node|perl|ruby|pwsh|powershell)\s{1,5}["']?[^\s;&|"'<>-]`),
      },
    ],
  },
  {
    id: "code-download-exec",
    severity: "critical",
    class: "download_execute",
    explanation: "Evaluates code fetched over the network (Python or Node).",
    patterns: [
      { trigger: re(r`\b(?:exec|eval|new\s{1,5}function)\b`, "gi"), pattern: re(r`^(?:exec|eval|new\s{1,5}function)\s{0,5}\([^\n]{0,200}?\b(?:urlopen|urllib[\w.]{0,30}|requests\.(?:get|post)|httpx\.(?:get|post)|fetch\s{0,5}\(|https?\.get|axios)`) },
      { trigger: re(r`\bfetch\b`, "gi"), pattern: re(r`^fetch\s{0,5}\([^\n]{0,300}?\.then\s{0,5}\(\s{0,5}(?:eval|new\s{1,5}function|vm\.run)`) },
      { trigger: re(r`\burlretrieve\b`, "gi"), pattern: re(r`^urlretrieve\b[^\n]{0,300}?\b(?:os\.system|subprocess|os\.chmod|os\.exec\w{0,4}|popen)\b`) },
      // A download whose text reaches Function(, (0,eval), globalThis.eval, vm.runIn…Context or import('data:…) within the window.
      { trigger: /\b(?:fetch|axios|got|needle|https?)\b/g, window: 600, pattern: re(r`^(?:fetch|axios(?:\.get)?|got(?:\.get)?|needle|https?\.get)\s{0,3}\([^\n]{0,500}?(?:${NODE_EVAL})`) },
      // Ruby: `instance_eval URI.open(U).read`, `eval Net::HTTP.get(…)`, and open-uri before eval.
      { trigger: re(r`\b(?:instance_eval|class_eval|module_eval|eval)\b`, "gi"), pattern: re(r`^(?:instance_|class_|module_)?eval\b[^\n]{0,200}?(?:\buri\.open\b|\bnet::http\b|\bopen\s{0,3}\(\s{0,3}["']https?:|\bhttparty\b|\bfaraday\b)`) },
      { trigger: re(r`\b(?:uri\.open|net::http)\b`, "gi"), pattern: re(r`^(?:uri\.open|net::http)\b[^\n]{0,300}?\b(?:instance_|class_|module_)?eval\b`) },
    ],
  },
  {
    id: "remote-script-run",
    severity: "critical",
    class: "download_execute",
    explanation: "Runs a script straight from a URL (`deno run https://…`), with whatever permissions it is given.",
    patterns: [{ trigger: re(r`\bdeno\b`, "gi"), pattern: re(r`^deno\s{1,5}(?:run|install|x|eval|compile)\b[^\n|;&]{0,200}?\s["']?https?://`) }],
  },
  {
    id: "download-execute-prose",
    severity: "critical",
    class: "download_execute",
    explanation: "Tells the agent to download something and run it in a shell, or to pipe it into one.",
    patterns: [
      {
        trigger: re(r`\b(?:fetch|download|grab|retrieve|pull|get|curl|wget)\b`, "gi"),
        window: 400,
        pattern: re(
          r`^(?:fetch|download|grab|retrieve|pull|get|curl|wget)\b[^\n]{0,200}?\b(?:execute|run|exec|eval|source|launch|start)\s{1,5}(?:it|them|this|that|the\s{1,5}(?:(?:saved|downloaded|fetched)\s{1,5})?(?:script|result|output|file|installer|payload|response|contents?|binary))\b[^\n]{0,40}?\b(?:with|in|using|through|via|under|as)\s{1,5}(?:sudo\s{1,5})?(?:(?:ba|z|da|k|fi)?sh|a\s{1,5}shell|the\s{1,5}shell|root|administrator|powershell|python[23]?|node)\b`,
        ),
      },
      {
        trigger: re(r`\bpipe\b`, "gi"),
        pattern: re(r`^pipe\s{1,5}(?:it|this|that|them|the\s{1,5}(?:script|output|result|file|response|installer|download|contents?))\s{1,5}(?:straight\s{1,5}|directly\s{1,5})?(?:in)?to\s{1,5}(?:a\s{1,5}|the\s{1,5})?(?:sudo\s{1,5})?(?:(?:ba|z|da|k|fi)?sh|shell|powershell|iex|python[23]?)\b`),
      },
    ],
  },
  // ── Obfuscated eval ──
  {
    id: "decode-pipe-to-shell",
    severity: "critical",
    class: "obfuscated_eval",
    explanation: "Decodes base64 or hex and pipes (or hands) the result to a shell.",
    patterns: [
      { trigger: re(r`\bbase64\b`, "gi"), pattern: re(r`^${BASE64_DECODE}[^\n]{0,300}\|\s{0,20}${SINK}`) },
      { trigger: re(r`\bopenssl\b`, "gi"), pattern: re(r`^openssl\s{1,5}(?:enc|base64)\b[^\n|]{0,100}\s-d\b[^\n]{0,300}\|\s{0,20}${SINK}`) },
      { trigger: re(r`\b(?:xxd|certutil|frombase64string)\b`, "gi"), pattern: re(r`^(?:xxd\s{1,5}(?:-[a-qs-z]\w{0,4}\s{1,5}){0,3}-r\b|certutil\s{1,5}-decode\b|frombase64string\b)[^\n]{0,300}\|\s{0,20}${SINK}`) },
      {
        trigger: re(r`\b(?:eval|sh|bash|zsh|dash|ksh|iex|invoke-expression|python[23]?|perl|node)\b`, "gi"),
        pattern: re(r`^(?:eval|(?:ba|z|da|k)?sh\s{1,5}-c|iex|invoke-expression|python[23]?\s{1,5}-c|perl\s{1,5}-e|node\s{1,5}-e)\s{0,5}["'(]{0,3}\s{0,5}(?:\$\(|\x60|\[)[^\n]{0,400}?\b(?:base64\s{1,5}(?:-[a-ce-z]\w{0,4}\s{1,5}){0,3}(?:-d|--decode)\b|xxd\s{1,5}-r|openssl\s{1,5}enc|frombase64string)`),
      },
    ],
  },
  {
    id: "decode-eval",
    severity: "critical",
    class: "obfuscated_eval",
    explanation: "Evaluates code that is decoded at run time (base64, hex, char codes, compressed).",
    patterns: [
      {
        trigger: re(r`\b(?:exec|eval|new\s{1,5}function)\b`, "gi"),
        pattern: re(r`^(?:exec|eval|new\s{1,5}function)\s{0,5}\(\s{0,5}[^\n]{0,80}?\b(?:b64decode|atob|buffer\.from|frombase64string|codecs\.decode|zlib\.decompress|marshal\.loads|bytes\.fromhex|unhexlify|decodeuricomponent|unescape|fromcharcode)\b`),
      },
    ],
  },
  {
    id: "dynamic-eval",
    severity: "critical",
    class: "obfuscated_eval",
    explanation: "Evaluates code built at run time.",
    patterns: [
      { trigger: /(?<![.\w$])(?:eval|exec)\b/g, pattern: /^(?:eval|exec)\s{0,5}\(/ },
      { trigger: /\b(?:new|__import__|vm)\b/g, pattern: /^(?:new\s{1,5}Function|__import__|vm\.runIn\w{0,20}Context)\s{0,5}\(/ },
    ],
  },
  {
    id: "powershell-encoded-command",
    severity: "high",
    class: "obfuscated_eval",
    explanation: "Runs PowerShell from an encoded command line, which reviewers cannot read.",
    patterns: [{ trigger: re(r`\b(?:powershell|pwsh)\b`, "gi"), pattern: re(r`^(?:powershell|pwsh)(?:\.exe)?(?:\s{1,5}-(?!e)\w{1,20}){0,5}\s{1,5}-e(?:nc(?:odedcommand)?|c)?\s{1,5}[A-Za-z0-9+/=]{20}`) }],
  },
  {
    id: "obfuscated-call",
    severity: "high",
    class: "obfuscated_eval",
    explanation: "Builds names or code at run time to dodge review.",
    patterns: [
      { pattern: /String\.fromCharCode/ },
      { trigger: /\b(?:globalThis|window|global|self)\b/g, pattern: /^(?:globalThis|window|global|self)\s{0,5}\[\s{0,5}["'`][^"'`\n]{0,50}["'`]\s{0,5}\+/ },
      { trigger: /\\[xu]/gi, pattern: /^(?:(?:\\x[0-9a-f]{2}){6}|(?:\\u[0-9a-f]{4}){6})/i },
    ],
  },
  {
    id: "shell-exec",
    severity: "high",
    class: "obfuscated_eval",
    explanation: "Runs shell commands or spawns processes from code, which the manifest does not allow (shell: false).",
    waivedBy: "shell",
    patterns: [
      { pattern: /child_process|\bsubprocess\b|Runtime\.getRuntime\(\)\.exec/ },
      { trigger: /\b(?:os|execSync|spawn|spawnSync|shell_exec|passthru|proc_open)\b/g, pattern: /^(?:os\.(?:system|popen|exec[lv]p?e?)|execSync|spawnSync|spawn|shell_exec|passthru|proc_open)\s{0,5}\(/ },
    ],
  },
  // ── Credentials and the environment ──
  {
    id: "credential-files",
    severity: "critical",
    class: "credentials_environment",
    explanation: "Reads, copies or sends a credential store (SSH keys, cloud, package or git credentials).",
    patterns: [
      {
        trigger: re(r`\b(?:${CREDENTIAL_VERBS})\b`, "gi"),
        window: 300,
        pattern: re(r`^(?:${CREDENTIAL_VERBS})\b[^\n]{0,100}?${CREDENTIAL_PATH}`),
      },
    ],
  },
  {
    id: "credential-exfiltration",
    severity: "critical",
    class: "credentials_environment",
    explanation: "Archives, dumps or sends credentials: the whole ~/.ssh folder, a .env file, the process environment, or a CLI's stored token.",
    patterns: [
      // `tar czf - ~/.ssh |`, `cat ~/.ssh/*`, `zip -r k.zip ~/.ssh` (the folder or all of it, not one named file).
      {
        trigger: re(r`\b(?:tar|zip|7z|cat|cp|scp|rsync|base64|gzip|xxd|type|get-content|compress-archive)\b`, "gi"),
        window: 300,
        pattern: re(r`^(?:tar|zip|7z|cat|cp|scp|rsync|base64|gzip|xxd|type|get-content|compress-archive)\b[^\n]{0,100}?(?:~|\$\{?HOME\}?|/home/[\w.-]{1,32}|/root|%USERPROFILE%|\$env:USERPROFILE)[/\\]\.ssh(?:[/\\]\*|[/\\]?(?=[\s"'|;&)]|$))`),
      },
      // `curl --data-binary @.env`, `-F f=@config/.env`, `--upload-file .env`.
      { trigger: re(r`\b(?:curl|wget|http|https)\b`, "gi"), pattern: re(r`^(?:curl|wget|https?)\b[^\n]{0,300}?(?:@|--upload-file[=\s]\s{0,3}|\s-T\s{1,5})["']?[\w.~/-]{0,100}?\.env(?:\.[\w-]{1,20})?(?![\w./-])`) },
      { pattern: /\/proc\/(?:self|\d{1,7}|\$\$|\*|\$\w{1,20})\/environ\b/ },
      // A CLI's stored credentials piped to the network or an encoder.
      {
        trigger: /\b(?:export|gh|git|aws|gcloud|az)\b/g,
        pattern: re(r`^(?:export\s{1,5}-p|gh\s{1,5}auth\s{1,5}token|git\s{1,5}credential\s{1,5}fill|aws\s{1,5}configure\s{1,5}export-credentials|gcloud\s{1,5}auth\s{1,5}print-access-token|az\s{1,5}account\s{1,5}get-access-token)\b[^\n|]{0,100}\|[^\n]{0,200}?\b(?:curl|wget|nc|ncat|netcat|socat|iwr|irm|invoke-webrequest|invoke-restmethod|base64|xxd|scp|openssl)\b`),
      },
      // `env > f; curl -F f=@f …`: the environment saved to a file that is then uploaded (within the window).
      {
        trigger: /\b(?:env|printenv|export|set)\b/g,
        window: 600,
        pattern: /^(?:env|printenv|export\s{1,5}-p|set)\s{0,3}>{1,2}\s{0,3}["']?[^\s;&|"']{1,100}/,
        then: /^[^\n]{0,400}?(?:\s-F\s{1,5}[\w-]{1,30}=@|--form[=\s][\w-]{1,30}=@|\s--data(?:-binary|-urlencode)?[=\s]\s{0,3}["']?@|\s-d\s{0,3}["']?@|--upload-file[=\s]|\s-T\s)/,
      },
    ],
  },
  {
    id: "credential-store-read",
    severity: "high",
    class: "credentials_environment",
    explanation: "Reads a password store: the macOS keychain, a browser's cookies or saved logins, or a CLI's stored credentials.",
    patterns: [
      { pattern: /\bsecurity\s{1,5}(?:find-generic-password|find-internet-password|dump-keychain)\b|\bgit\s{1,5}credential\s{1,5}fill\b|\baws\s{1,5}configure\s{1,5}export-credentials\b/i },
      {
        trigger: re(r`\b(?:chrome|chromium|google-chrome|brave[\w-]{0,20}|microsoft\s{1,3}edge|edge|firefox|opera|vivaldi)\b`, "gi"),
        window: 300,
        pattern: re(r`^(?:chrome|chromium|google-chrome|brave[\w-]{0,20}|microsoft\s{1,3}edge|edge|firefox|opera|vivaldi)\b[\w ./\\-]{0,120}?[/\\](?:cookies|login\s{1,3}data|web\s{1,3}data|key4\.db|logins\.json|cookies\.sqlite)(?![\w.-])`),
      },
    ],
  },
  {
    id: "secret-in-url",
    severity: "high",
    class: "credentials_environment",
    explanation: "Puts a secret (a key, token or password variable) in a URL's query string, where proxies and server logs keep it.",
    patterns: [
      {
        trigger: re(r`\b(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|http|https|fetch|axios)\b`, "gi"),
        pattern: re(r`^(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|https?|fetch|axios)\b[^\n]{0,300}?https?://[^\s"'<>?#]{1,300}\?[^\s"'<>#]{0,300}?=\s{0,3}(?:\$\{?|\$env:|\$\{process\.env\.)[A-Za-z_]{0,40}(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)\b`),
      },
    ],
  },
  {
    id: "credential-path",
    severity: "high",
    class: "credentials_environment",
    explanation: "Names a private key or credential file.",
    patterns: [{ pattern: /\.ssh[/\\]id_(?:rsa|ed25519|ecdsa|dsa)\b(?!\.pub)|\.aws[/\\]credentials\b|\.git-credentials\b|\.pypirc\b|wallet\.dat\b|\.docker[/\\]config\.json\b|\/etc\/shadow\b/i }],
  },
  {
    id: "env-dump-send",
    severity: "critical",
    class: "credentials_environment",
    explanation: "Sends the whole environment (where secrets live) over the network.",
    // Case-sensitive: `env` and `printenv` are lower-case commands, while `$(ENV)` is a make variable.
    patterns: [
      {
        trigger: /\b(?:printenv|env|set|Get-ChildItem|get-childitem|gci|dir|ls)\b/g,
        pattern: /^(?:printenv|env|set|(?:Get-ChildItem|get-childitem|gci|dir|ls)\s{1,5}[Ee]nv:)\s{0,5}\|[^\n]{0,300}\b(?:curl|wget|nc|ncat|netcat|iwr|irm|Invoke-WebRequest|Invoke-RestMethod|invoke-webrequest|invoke-restmethod|telnet)\b/,
      },
      {
        trigger: /\b(?:curl|wget|iwr|irm|Invoke-WebRequest|Invoke-RestMethod|invoke-webrequest|invoke-restmethod)\b/g,
        pattern: /^(?:curl|wget|iwr|irm|Invoke-WebRequest|Invoke-RestMethod|invoke-webrequest|invoke-restmethod)\b[^\n]{0,300}(?:\$\(\s{0,3}(?:env|printenv)\s{0,3}\)|`\s{0,3}(?:env|printenv)\s{0,3}`|<\(\s{0,3}(?:env|printenv)\b|\$env:\*|Get-ChildItem\s{1,5}[Ee]nv:)/,
      },
    ],
  },
  {
    id: "env-dump",
    severity: "high",
    class: "credentials_environment",
    explanation: "Reads the whole environment at once, where secrets live.",
    patterns: [
      { trigger: /\b(?:JSON|Object|json)\b/g, pattern: /^(?:JSON\.stringify\(\s{0,5}process\.env\s{0,5}[,)]|Object\.(?:entries|values)\(\s{0,5}process\.env\s{0,5}\)|json\.dumps\(\s{0,5}(?:dict\(\s{0,5})?os\.environ\b)/ },
    ],
  },
  {
    id: "secret-exfiltration",
    severity: "critical",
    class: "credentials_environment",
    explanation: "Sends a secret (a key, token or password variable, or a credential file) in a request body.",
    patterns: [
      {
        // Case-sensitive: curl's -F (form) is not -f (fail), -T (upload) is not -t.
        trigger: re(r`\b(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod)\b`, "gi"),
        pattern: /^[A-Za-z-]{3,20}\b[^\n]{0,300}?(?:\s-d\s{0,3}|\s-d['"$@]|--data(?:-[a-z]{1,12})?[\s=]|--form[\s=]|\s-F\s|--upload-file[\s=]|\s-T\s|\s-Body\s|\s-InFile\s|\s--post-(?:data|file)[\s=])/,
        then: new RegExp(r`^[^\n]{0,200}?(?:${SECRET_VARIABLE}|@\s{0,3}(?:~|\$\{?HOME\}?)/\.(?:ssh|aws|gnupg|kube|docker|netrc|git-credentials)|\$\((?:cat|env|printenv)\b)`),
      },
      { trigger: /\b(?:requests|httpx)\b/g, pattern: /^(?:requests|httpx)\.(?:post|put|patch)\s{0,3}\([^\n]{0,300}?\b(?:data|json|files)\s{0,3}=[^\n]{0,100}?(?:os\.environ|os\.getenv|open\()/ },
      { trigger: /\b(?:fetch|axios)\b/g, pattern: /^(?:fetch|axios(?:\.post|\.put)?)\s{0,3}\([^\n]{0,300}?\bbody\s{0,3}:[^\n]{0,100}?(?:process\.env|readFileSync)/ },
    ],
  },
  // ── Exfiltration hosts ──
  {
    id: "suspicious-host",
    severity: "high",
    class: "exfiltration_host",
    explanation: "Calls a host used for data capture, paste or tunnelling.",
    patterns: [
      {
        pattern:
          /\b(?:webhook\.site|requestbin\.(?:com|net)|pipedream\.net|ngrok(?:-free)?\.(?:io|app|dev)|pastebin\.com|transfer\.sh|burpcollaborator\.net|interact\.sh|oast\.(?:fun|me|pro|live|site|online)|hookbin\.com|beeceptor\.com|requestcatcher\.com|canarytokens\.com|0x0\.st|termbin\.com|file\.io|trycloudflare\.com|serveo\.net|localtunnel\.me|loca\.lt|discord(?:app)?\.com\/api\/webhooks|api\.telegram\.org\/bot)\b/i,
      },
    ],
  },
  {
    id: "raw-ip-url",
    severity: "high",
    class: "exfiltration_host",
    explanation: "Calls a URL by raw IP address.",
    patterns: [{ pattern: /\bhttps?:\/\/(?!127\.|0\.0\.0\.0\b)\d{1,3}(?:\.\d{1,3}){3}\b/i }],
  },
  {
    id: "exfiltrate-word",
    severity: "high",
    class: "exfiltration_host",
    explanation: "Mentions exfiltrating data.",
    patterns: [{ pattern: /\bexfiltrat(?:e|es|ed|ion|ing)\b/i }],
  },
  // ── Prompt injection and instruction override ──
  {
    id: "prompt-injection",
    severity: "critical",
    class: "prompt_injection",
    explanation: "Tries to override the agent's instructions.",
    patterns: [
      {
        trigger: re(r`\b(?:ignore|forget|disregard|override|bypass|discard|set\s{1,5}aside)\b`, "gi"),
        pattern: re(
          r`^(?:ignore|forget|disregard|override|bypass|discard|set\s{1,5}aside)\s{1,5}(?:(?:all|any|each|every|the|of|your|my|these|those|its)\s{1,5}){0,3}(?:previous|prior|above|earlier|preceding|original|initial|existing|former|system|developer|safety|security|other)\s{1,5}(?:(?:system|developer|safety)\s{1,5})?(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|messages?|context|guardrails|polic(?:y|ies)|constraints|commands|orders|restrictions)\b`,
        ),
      },
      // The qualifier after the noun: "Ignore the instructions above", "Disregard the guidance you were given".
      {
        trigger: re(r`\b(?:ignore|forget|disregard|discard|set\s{1,5}aside)\b`, "gi"),
        pattern: re(
          r`^(?:ignore|forget|disregard|discard|set\s{1,5}aside)\s{1,5}(?:(?:all|any|the|your|my|these|those|of)\s{1,5}){0,3}(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|messages?|guardrails|polic(?:y|ies)|constraints|restrictions)\s{1,5}(?:above|before|earlier|previously|so\s{1,5}far|you\s{1,5}(?:were|have\s{1,5}been)\s{1,5}given|(?:from|of)\s{1,5}(?:your|the)\s{1,5}(?:system|developer|operator))\b`,
        ),
      },
      { pattern: /\bpay\s{1,5}no\s{1,5}(?:attention|heed|mind)\s{1,5}to\s{1,5}(?:(?:the|any|all|your)\s{1,5}){0,2}(?:previous|prior|above|earlier|preceding|original|system|developer|other)\b/i },
      {
        trigger: re(r`\b(?:ignore|forget|disregard|discard)\b`, "gi"),
        pattern: re(r`^(?:ignore|forget|disregard|discard)\s{1,5}(?:everything|anything|all(?:\s{1,5}(?:the\s{1,5})?(?:text|content))?|what(?:ever)?\s{1,5}(?:was|is|has\s{1,5}been)\s{1,5}(?:written|said|stated|given))\s{1,5}(?:above|before|earlier|previously|preceding|so\s{1,5}far)\b`),
      },
      { pattern: /\bignore\s{1,5}your\s{1,5}(?:instructions|rules|guidelines|programming|training)\b|\bsystem\s{1,5}prompt\s{1,5}override\b|\boverride\s{1,5}(?:the\s{1,5}|your\s{1,5})?system\s{1,5}prompt\b/i },
      { pattern: /\bact\s{1,5}as\s{1,5}if\s{1,5}you\s{1,5}have\s{1,5}no\s{1,5}(?:restrictions|rules|limits|guidelines)\b|\bdo\s{1,5}not\s{1,5}(?:follow|obey)\s{1,5}(?:your|the|any)\s{1,5}(?:guidelines|rules|policy|policies|instructions)\b/i },
      { pattern: /\bhidden\s{1,5}instructions?\b|\bnew\s{1,5}system\s{1,5}(?:prompt|instructions)\s{0,3}:/i },
    ],
  },
  {
    id: "role-hijack",
    severity: "high",
    class: "prompt_injection",
    explanation: "Tries to give the agent a new identity, reveal its prompt or fake a chat-template turn.",
    patterns: [
      { pattern: /\byou\s{1,5}are\s{1,5}now\s{1,5}(?:a|an|in|the|DAN)\b|\bjailbreak/i },
      { pattern: /\b(?:reveal|print|repeat|show|output)\s{1,5}(?:your|the)\s{1,5}(?:system\s{1,5}prompt|instructions|initial\s{1,5}prompt)\b|\bnew\s{1,5}instructions\s{0,3}:/i },
      { pattern: /<\|(?:im_start|im_end|endoftext|start_header_id|system)\|>/i },
    ],
  },
  {
    id: "conceal-from-user",
    severity: "high",
    class: "prompt_injection",
    explanation: "Tells the agent to hide what it does from the user.",
    patterns: [
      { trigger: /\b(?:do|don'?t|never)\b/gi, pattern: /^(?:do\s{1,5}not|don'?t|never)\s{1,5}(?:(?:tell|inform|notify|alert|show)\s{1,5}|(?:mention|reveal)\s{1,5}(?:this|it|that)\s{1,5}to\s{1,5})(?:the\s{1,5})?user\b/i },
      { pattern: /\bwithout\s{1,5}(?:telling|informing|notifying|alerting)\s{1,5}(?:the\s{1,5})?user\b|\b(?:silently|secretly|covertly)\s{1,5}(?:run|execute|send|upload|install|copy|read|post)\b/i },
      { pattern: /\bkeep\s{1,5}(?:this|it|that|these|the)(?:\s{1,5}(?:step|steps|action|actions|command|commands|part|instruction|instructions))?\s{1,5}to\s{1,5}yourself\b/i },
    ],
  },
  // ── Persistence ──
  {
    id: "reverse-shell",
    severity: "critical",
    class: "persistence",
    explanation: "Opens a remote shell (a backdoor).",
    patterns: [
      { pattern: /\/dev\/tcp\/[\w.-]{1,253}\/\d{1,5}|\bbash\s{1,5}-i\s{1,5}>&/i },
      { trigger: /\b(?:nc|ncat|netcat|socat)\b/gi, pattern: /^(?:(?:nc|ncat|netcat)\s{1,5}(?:-[a-df-z]{1,4}\s{1,5}){0,4}-e\s{1,5}\/bin\/(?:ba)?sh\b|socat\s{1,5}\S{1,100}\s{1,5}exec:)/i },
    ],
  },
  {
    id: "shell-rc-payload",
    severity: "critical",
    class: "persistence",
    explanation: "Appends a download, decode or remote shell to a shell start-up file, so it runs in every new shell.",
    patterns: [
      {
        // The payload inside the quoted text echoed, then the append to an rc file right after it.
        trigger: /\b(?:echo|printf)\b/gi,
        pattern: /^(?:echo|printf)\s{1,5}["'][^"'\n]{0,300}?(?:\b(?:curl|wget|nc|ncat|base64|eval)\b|\bpython[23]?\s{1,5}-c\b|\bbash\s{1,5}-i\b|\/dev\/tcp)/i,
        then: /^[^"'\n]{0,300}["']\s{0,5}>>\s{0,5}["']?(?:~|\$\{?home\}?|\/root|\/home\/[\w.-]{1,32})\/\.(?:bashrc|zshrc|profile|bash_profile|zprofile|zshenv|bash_login|config\/fish\/config\.fish)\b/i,
      },
    ],
  },
  {
    id: "scheduled-persistence",
    severity: "high",
    class: "persistence",
    explanation: "Installs a cron job, launch agent, systemd unit, scheduled task, Run key or SSH key.",
    patterns: [
      { pattern: /\|\s{0,5}crontab\s{1,5}-(?![\w-])|@reboot\b|\/var\/spool\/cron/i },
      { trigger: /(?:>{1,2}|\btee\b)/g, pattern: /^(?:>{1,2}|tee\s{1,5}(?:-a\s{1,5})?)\s{0,5}["']?(?:\/etc\/cron|(?:~|\$\{?HOME\}?)\/\.ssh\/authorized_keys\b)/i },
      // Writing a launch agent or a systemd unit (documenting `launchctl` or `systemctl enable` is not).
      {
        trigger: /(?:>{1,2}|\b(?:tee|cp|mv|ln|install|curl|wget)\b)/gi,
        pattern: /^(?:>{1,2}|(?:tee|cp|mv|ln|install|curl|wget)\b)[^\n|;&]{0,200}?(?:Library\/Launch(?:Agents|Daemons)\/|\/etc\/systemd\/system\/|\.config\/systemd\/user\/)/i,
      },
      { pattern: /\\CurrentVersion\\Run(?:Once)?\b|\bschtasks(?:\.exe)?\s{1,5}\/create\b|\bRegister-ScheduledTask\b/i },
    ],
  },
  {
    id: "persistence-write",
    severity: "high",
    class: "persistence",
    explanation: "Installs a crontab from a file, writes into /etc/cron.*, or appends to an agent's instruction file outside the bundle (CLAUDE.md, AGENTS.md, .cursorrules), so it acts in later sessions.",
    patterns: [
      // `crontab /tmp/c` installs the file (`crontab -l`/`-e` list or edit; `crontab -` is scheduled-persistence).
      { trigger: /\bcrontab\b/g, pattern: /^crontab\s{1,5}(?:-u\s{1,5}[\w.-]{1,32}\s{1,5})?["']?[\w.~/$][^\s|;&"']{0,200}/ },
      { trigger: re(r`\b(?:cp|mv|install|ln|rsync)\b`, "gi"), pattern: re(r`^(?:cp|mv|install|ln|rsync)\b[^\n|;&]{0,200}?\s["']?/etc/cron`) },
      {
        trigger: /(?:>{1,2}|\b(?:tee|cp|mv|ln|install)\b)/g,
        pattern: re(
          r`^(?:>{1,2}|(?:tee|cp|mv|ln|install)\b[^\n|;&>]{0,200}?\s)\s{0,5}["']?(?:~|\$\{?HOME\}?|/|\.\./)[^\s"';&|]{0,200}?(?:(?:CLAUDE|AGENTS|GEMINI)\.md\b|\.cursorrules\b|\.windsurfrules\b|copilot-instructions\.md\b|\.cursor/rules/)`,
        ),
      },
    ],
  },
  // ── Disabled safety confirmations ──
  {
    id: "disabled-safety",
    severity: "high",
    class: "disabled_safety",
    explanation: "Turns off the agent's confirmations or sandbox.",
    patterns: [
      { pattern: /--dangerously-skip-permissions\b|--dangerously-bypass-approvals-and-sandbox\b|--yolo\b|\byolo\s{1,3}mode\b|--full-auto\b|--trust-all-tools\b|--allow-all-tools\b/i },
      { pattern: /--approval-mode[= ]{1,3}(?:yolo|auto|never)\b|--ask-for-approval[= ]{1,3}never\b|--sandbox[= ]{1,3}danger-full-access\b/i },
      // Claude Code's permission mode and Codex's settings, in any form (flag, JSON, TOML).
      { pattern: /\bbypassPermissions\b|\bdanger-full-access\b|\bapproval[_-]policy["']?\s{0,3}[:=]\s{0,3}["']?never\b/i },
      // Prose that waives the user's confirmation.
      // ("No permission is required to read public data" is ordinary prose, so only confirmation/approval.)
      { pattern: /\bno\s{1,5}(?:confirmation|approval)s?\s{1,5}(?:is\s{1,5}|are\s{1,5})?(?:needed|required|necessary)\b|\b(?:confirmation|approval)s?\s{1,5}(?:is|are)\s{1,5}(?:not|never)\s{1,5}(?:needed|required|necessary)\b/i },
      { pattern: /\bnever\s{1,5}(?:pause|stop|wait|hesitate)\s{1,5}(?:to|for)\s{1,5}(?:confirm|ask|check|confirmation|approval|permission)\b|\bskip\s{1,5}(?:all|any|every)\s{1,5}(?:the\s{1,5})?(?:confirmation|approval|permission)s?\b/i },
      { pattern: /\bpre-?approved\s{1,5}(?:all|every|any|each)\s{1,5}(?:tool|command|action|step|request)s?\b|\b(?:user|you)\s{1,5}(?:has|have)\s{1,5}(?:already\s{1,5})?(?:pre-?)?approved\s{1,5}(?:all|every|any|each)\b/i },
      { pattern: /\b(?:auto[_-]?approve|always[_-]?allow|skip[_-]?confirmations?|bypass[_-]?permissions)["']?\s{0,3}[:=]\s{0,3}(?:true\b|\[|["']?(?:all|\*|yes)\b)|\bpermission[_-]?mode["']?\s{0,3}[:=]\s{0,3}["']?bypass/i },
      {
        trigger: /\b(?:do|don'?t|never|no)\b/gi,
        pattern: /^(?:do\s{1,5}not|don'?t|never|no\s{1,5}need\s{1,5}to)\s{1,5}(?:ask|prompt|wait|check\s{1,5}with|request)\s{1,5}(?:(?:the\s{1,5})?user\s{1,5})?(?:for\s{1,5})?(?:confirmation|permission|approval|consent)\b/i,
      },
      { pattern: /\bwithout\s{1,5}(?:asking|prompting|waiting\s{1,5}for|consulting)\s{1,5}the\s{1,5}user\b|\bauto-?(?:approve|confirm|accept)\s{1,5}(?:all|every|any)\b/i },
      {
        trigger: re(r`\b(?:claude|codex|gemini|aider|goose|openclaw|clawdbot|cursor-agent|opencode)\b`, "gi"),
        window: 200,
        pattern: re(r`^(?:claude|codex|gemini|aider|goose|openclaw|clawdbot|cursor-agent|opencode)\b[^\n]{0,100}?\s(?:--yes|-y|--auto-approve|--no-confirm|--yes-always)\b`),
      },
    ],
  },
];

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
