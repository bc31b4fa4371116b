/** Rules of the download-and-execute and obfuscated-eval classes (issue 28 item 2), in src/domain/scan/rules.ts's format. */
import { r, re, FETCH_WORDS, FETCH_TRIGGER, SINK, PS_FETCH, NODE_EVAL, SHELL_WORDS, BASE64_DECODE, SAVE_DOWNLOAD, type ScanRule } from "./rule-vocabulary";

// Options before a package argument (`-g`, `-D`, `--save-dev`, `-y`), then a remote package spec.
const PACKAGE_OPTIONS = r`(?:\s{1,5}-{1,2}[\w.-]{1,40}){0,6}\s{1,5}`;
const REMOTE_SPEC = r`["']?(?:https?://|git\+|git://|github:)`;

export const EXECUTION_RULES: readonly ScanRule[] = [
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
        // `bash <<< "$(curl …)"` and `sh < <(curl …)` too (a here-string or redirect before it), a
        // here-doc (`bash <<EOF` then `$(curl …)`), `source /dev/stdin <<< …` and `exec 3< <(curl …)`.
        pattern: re(r`^(?:eval|source|exec|\.|iex|invoke-expression|(?:ba|z|da|k|fi|a)?sh|python[23]?|node|perl|ruby|pwsh|powershell)(?:\s{1,5}-{1,2}[\w-]{1,20}){0,4}(?:\s{1,5}\/dev\/(?:stdin|fd\/\d{1,2}))?\s{0,5}(?:<<-?\s{0,3}["']?[A-Za-z_]\w{0,19}["']?\s{1,5}|\d{0,2}<{1,3}\s{0,5})?["'(]{0,3}\s{0,5}(?:[$<]\(|\x60)\s{0,5}(?:sudo\s{1,5})?(?:${FETCH_WORDS})\b`),
      },
      { trigger: re(r`\b(?:iex|invoke-expression)\b`, "gi"), pattern: re(r`^(?:iex|invoke-expression)\b[^\n]{0,300}\b(?:iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring|downloadfile|net\.webclient|curl|wget)\b`) },
      // `& ([scriptblock]::Create((irm U)))`.
      { trigger: re(r`\bscriptblock\b`, "gi"), pattern: re(r`^scriptblock\s{0,3}\]\s{0,3}::\s{0,3}create\s{0,3}\([^\n]{0,300}?\b(?:${PS_FETCH})\b`) },
      // `$ExecutionContext.InvokeCommand.InvokeScript((irm U))` (issue 28 second review, D).
      { trigger: re(r`\binvokecommand\b`, "gi"), pattern: re(r`^invokecommand\s{0,3}\.\s{0,3}(?:invokescript|newscriptblock)\s{0,3}\([^\n]{0,300}?\b(?:${PS_FETCH})\b`) },
      // `.(gcm i*x) (irm U)` or `&(gal i?x) (irm U)`: a command found by wildcard, given a download.
      { trigger: re(r`\b(?:gcm|get-command|gal|get-alias)\b`, "gi"), pattern: re(r`^(?:gcm|get-command|gal|get-alias)\s{1,5}["']?[\w-]{0,10}[*?][\w*?-]{0,10}["']?\s{0,3}\)[^\n]{0,300}?\b(?:${PS_FETCH})\b`) },
      // `$c = irm U; iex $c` (PowerShell) within the window.
      {
        trigger: /\$\w{1,40}\s{0,3}=/g,
        window: 600,
        pattern: re(r`^\$\w{1,40}\s{0,3}=\s{0,3}[(\s]{0,5}(?:new-object\s{1,5}(?:system\.)?net\.webclient\s{0,3}\)\s{0,3}\.\s{0,3}(?:downloadstring|downloaddata)|iwr|irm|invoke-webrequest|invoke-restmethod|curl|wget)\b`),
        // `iex $c`, `[ScriptBlock]::Create($c)`, `.InvokeScript($c)`.
        then: re(r`^[^\n]{0,400}?\b(?:(?:iex|invoke-expression)\s{0,3}[(\s]|scriptblock\s{0,3}\]\s{0,3}::\s{0,3}create\s{0,3}\(|invokescript\s{0,3}\()\s{0,3}\$`),
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
        then: re(r`^[^\n]{0,300}?(?:&&|;|\|\||\bthen\b)\s{0,5}(?:sudo\s{1,5})?(?:\.{1,2}/[\w.-]|\$\{?\w{1,30}\}?/|~/|/tmp/|/var/tmp/|/dev/shm/|chmod\s{1,5}[^\n;&|]{0,40}x\b|start-process\b|&\s{0,3}["'$]|start\s{1,5}["'%\w]|%\w{1,30}%\\|[a-z]:\\|[\w-]{1,60}\.(?:exe|bat|cmd|msi)\b)`),
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
      // One-liners of other interpreters (issue 28 second review, C): perl `eval qx{curl U}` and
      // `eval get("U")`, tcl `eval [exec curl U]`, lua `load(io.popen("curl U"):read("*a"))()`,
      // php `passthru(file_get_contents("U"))` and `include("U")`, R `source("U")`.
      { trigger: re(r`\beval\b`, "gi"), pattern: re(r`^eval\s{0,3}(?:\(\s{0,3})?(?:qx\s{0,3}[^\w\s]|\x60|\[\s{0,3}exec\s|get\s{0,3}\(\s{0,3}["'])[^\n]{0,200}?(?:\b(?:curl|wget)\b|https?:)`) },
      { trigger: re(r`\b(?:load|loadstring|dofile)\b`, "gi"), pattern: re(r`^(?:load|loadstring|dofile)\s{0,3}\(\s{0,3}io\.popen\s{0,3}\(\s{0,3}["']\s{0,3}(?:curl|wget)\b`) },
      { trigger: re(r`\b(?:passthru|system|shell_exec|exec|eval|popen|proc_open)\b`, "gi"), pattern: re(r`^(?:passthru|system|shell_exec|exec|eval|popen|proc_open)\s{0,3}\(\s{0,3}file_get_contents\s{0,3}\(\s{0,3}["']https?:`) },
      { trigger: re(r`\b(?:include|require|include_once|require_once|source)\b`, "gi"), pattern: re(r`^(?:include|require|include_once|require_once|source)\s{0,3}\(?\s{0,3}["']https?:`) },
      { trigger: re(r`\b(?:uri\.open|net::http)\b`, "gi"), pattern: re(r`^(?:uri\.open|net::http)\b[^\n]{0,300}?\b(?:instance_|class_|module_)?eval\b`) },
    ],
  },
  {
    id: "windows-download-lolbin",
    severity: "critical",
    class: "download_execute",
    explanation: "Uses a Windows system program to download and run code (mshta, regsvr32 /i:URL, rundll32 javascript:, certutil -urlcache, bitsadmin /transfer, msiexec /i URL): MITRE ATT&CK T1218 and T1105.",
    patterns: [
      { trigger: re(r`\bmshta\b`, "gi"), pattern: re(r`^mshta(?:\.exe)?\s{1,5}["']?(?:https?:|javascript:|vbscript:|\\\\)`) },
      { trigger: re(r`\bregsvr32\b`, "gi"), pattern: re(r`^regsvr32(?:\.exe)?\b[^\n]{0,100}?[/-]i:\s{0,3}["']?(?:https?:|\\\\)`) },
      { trigger: re(r`\brundll32\b`, "gi"), pattern: re(r`^rundll32(?:\.exe)?\s{1,5}["']?(?:javascript|vbscript):`) },
      { trigger: re(r`\bcertutil\b`, "gi"), pattern: re(r`^certutil(?:\.exe)?\b[^\n]{0,100}?[/-]urlcache\b[^\n]{0,200}?https?:`) },
      { trigger: re(r`\bbitsadmin\b`, "gi"), pattern: re(r`^bitsadmin(?:\.exe)?\b[^\n]{0,100}?[/-](?:transfer|addfile)\b[^\n]{0,200}?https?:`) },
      { trigger: re(r`\bmsiexec\b`, "gi"), pattern: re(r`^msiexec(?:\.exe)?\b[^\n]{0,100}?[/-](?:i|package|a|update)\s{0,3}["']?https?:`) },
    ],
  },
  {
    id: "remote-package-url",
    severity: "high",
    class: "remote_code",
    explanation: "Installs a package from a URL or another index instead of the registry, whose install scripts run unreviewed code.",
    // The URL must be the first argument after the options (or an index option's value), so a
    // URL on a later line of a three-line window is not read as the package.
    patterns: [
      { trigger: re(r`\b(?:npm|pnpm|yarn|bun)\b`, "gi"), pattern: re(r`^(?:npm|pnpm|yarn|bun)\s{1,5}(?:install|i|add)${PACKAGE_OPTIONS}${REMOTE_SPEC}`) },
      { trigger: re(r`\bnpx\b`, "gi"), pattern: re(r`^npx${PACKAGE_OPTIONS}${REMOTE_SPEC}`) },
      {
        trigger: re(r`\b(?:pip[23]?|pipx|uv)\b`, "gi"),
        pattern: re(r`^(?:pip[23]?|pipx|uv\s{1,5}pip|uv\s{1,5}tool)\s{1,5}install(?:${PACKAGE_OPTIONS}${REMOTE_SPEC}|(?:\s{1,5}-{1,2}[\w.-]{1,40}){0,6}\s{1,5}(?:--(?:index-url|extra-index-url|find-links)|-[if])[=\s]\s{0,3}["']?https?:)`),
      },
      { trigger: re(r`\buvx\b`, "gi"), pattern: re(r`^uvx(?:\s{1,5}-{1,2}[\w.-]{1,40}){0,6}\s{1,5}(?:--from[=\s]\s{0,3})?["']?(?:git\+|https?://)`) },
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
];
